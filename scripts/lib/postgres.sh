# shellcheck shell=bash
# Brings up SupportDesk's private PostgreSQL cluster and exports SUPPORTDESK_PG_URL (the server, no database).
# Sourced by scripts/run, scripts/test and scripts/bench. Idempotent: a second call reuses the running cluster.
#
#   SUPPORTDESK_PG_PORT  port of the private cluster (default 55432)
#   SUPPORTDESK_PG_DATA  where the cluster lives (default .data/postgres in the project)

SD_ROOT=${SD_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SD_PG_PORT=${SUPPORTDESK_PG_PORT:-55432}

sd_log() { printf 'supportdesk: %s\n' "$*" >&2; }
# A database URL or connection string fit to print: no query string, no password (user:…@ and Password=… masked).
sd_redact_url() {
  sed -E 's#(://[^:/@]*:).*@#\1***@#; s#((^|;)[[:space:]]*([Pp][Aa][Ss][Ss][Ww][Oo][Rr][Dd]|[Pp][Ww][Dd])[[:space:]]*=)[^;]*#\1***#' <<<"${1%%\?*}"
}
sd_die() { printf 'supportdesk: %s\n' "$*" >&2; exit 1; }

sd_find_pg_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [[ -x $dir/initdb && -x $dir/pg_ctl ]] && { echo "$dir"; return 0; }
  done
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"; return 0
  fi
  return 1
}

sd_install_pg() {
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      sd_die "PostgreSQL is not installed and this user cannot install it (not root, no password-less sudo).
  Install it once with:  sudo apt-get install -y postgresql
  or point DATABASE_URL at a PostgreSQL server you already have."
    fi
  fi
  command -v apt-get >/dev/null 2>&1 || sd_die "PostgreSQL is not installed and apt-get is not available; install PostgreSQL 13+ or set DATABASE_URL."
  sd_log "installing Debian's postgresql (one time)…"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
    || sd_die "apt-get install postgresql failed; see the messages above."
}

# Runs a command as the cluster's owner: ourselves, or the postgres user when we are root (initdb refuses root).
sd_as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

sd_pick_data_dir() {
  local dir=${SUPPORTDESK_PG_DATA:-$SD_ROOT/.data/postgres}
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    mkdir -p "$(dirname "$dir")"
    # The postgres user must be able to reach the folder; a clone under a private (0700) folder cannot be.
    if ! runuser -u postgres -- test -x "$(dirname "$dir")"; then
      local key
      key=$(printf '%s' "$SD_ROOT" | sha1sum | cut -c1-12)
      dir=/var/tmp/supportdesk-$key/postgres
      mkdir -p "$(dirname "$dir")"
      chown postgres "$(dirname "$dir")"
      sd_log "the project folder is not reachable by the postgres user; keeping the cluster in $dir"
    fi
  fi
  echo "$dir"
}

sd_pg_up() {
  local bin data log
  bin=$(sd_find_pg_bin) || { sd_install_pg; bin=$(sd_find_pg_bin) || sd_die "PostgreSQL was installed but initdb/pg_ctl cannot be found."; }
  data=$(sd_pick_data_dir)
  log=$(dirname "$data")/postgres.log

  if { [[ ! -s $data/PG_VERSION ]] || ! sd_as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; } \
     && "$bin/pg_isready" -q -h 127.0.0.1 -p "$SD_PG_PORT" -U postgres 2>/dev/null; then
    # Another checkout's private cluster already serves this port: share it rather than fight over the port.
    sd_log "a PostgreSQL already answers on 127.0.0.1:$SD_PG_PORT; using it"
    SD_PG_BIN=$bin
    export SUPPORTDESK_PG_URL="postgres://postgres@127.0.0.1:$SD_PG_PORT"
    return 0
  fi

  if [[ ! -s $data/PG_VERSION ]]; then
    sd_log "creating the private PostgreSQL cluster in $data"
    mkdir -p "$data"
    [[ $(id -u) -eq 0 ]] && chown postgres "$data" "$(dirname "$data")"
    chmod 700 "$data"
    sd_as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null \
      || sd_die "initdb failed for $data"
    # A quarter of the memory for PostgreSQL's own cache (its documented starting point), between 256 MB and 4 GB: at a
    # million tickets the search indexes and rows then stay in it, instead of being copied in from the OS cache per query.
    local mem_mb buffers_mb
    mem_mb=$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo 2>/dev/null || echo 1024)
    buffers_mb=$(( mem_mb / 4 ))
    (( buffers_mb < 256 )) && buffers_mb=256
    (( buffers_mb > 4096 )) && buffers_mb=4096
    cat >>"$data/postgresql.conf" <<CONF
# SupportDesk's private development cluster: loopback only.
listen_addresses = '127.0.0.1'
port = $SD_PG_PORT
unix_socket_directories = ''
max_connections = 300
shared_buffers = ${buffers_mb}MB
CONF
  fi

  if ! sd_as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    [[ $(id -u) -eq 0 ]] && { touch "$log"; chown postgres "$log"; }
    sd_as_owner "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null \
      || { tail -n 20 "$log" >&2 2>/dev/null; sd_die "PostgreSQL did not start (log: $log)"; }
  fi

  SD_PG_BIN=$bin
  export SUPPORTDESK_PG_URL="postgres://postgres@127.0.0.1:$SD_PG_PORT"
}

# Creates the database if it does not exist yet.
sd_pg_ensure_db() {
  local db=$1
  local psql=("$SD_PG_BIN/psql" -h 127.0.0.1 -p "$SD_PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA)
  if [[ -z $("${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = '$db'") ]]; then
    "${psql[@]}" -c "CREATE DATABASE \"$db\"" >/dev/null || sd_die "could not create database $db"
    sd_log "created database $db"
  fi
}

sd_require_dotnet() {
  command -v dotnet >/dev/null 2>&1 || sd_die "the .NET 10 SDK (dotnet) is not on PATH; install it from your distribution or Microsoft's packages."
}
