# shellcheck shell=bash
# A private clamd for the tests (sourced by scripts/test after scripts/lib/postgres.sh): Debian's clamav-daemon, installed
# if missing, on 127.0.0.1:$SUPPORTDESK_CLAMAV_PORT (default 53310), with a signature database of its own under
# .data/clamav/ that knows only the EICAR test file (no signatures can be downloaded here, and the tests need no others).
# Idempotent: a clamd already answering PING on the port is reused. Exports TEST_CLAMAV_HOST.

SD_CLAMAV_PORT=${SUPPORTDESK_CLAMAV_PORT:-53310}

sd_clamav_ping() {
  python3 - "$SD_CLAMAV_PORT" <<'PY' 2>/dev/null
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
    s.sendall(b"zPING\0")
    sys.exit(0 if s.recv(16).startswith(b"PONG") else 1)
except OSError:
    sys.exit(1)
PY
}

sd_clamav_up() {
  export TEST_CLAMAV_HOST="127.0.0.1:$SD_CLAMAV_PORT"
  sd_clamav_ping && return 0
  if ! command -v clamd >/dev/null 2>&1; then
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
      command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && sudo=(sudo -n) \
        || sd_die "clamd is not installed and this user cannot install it: sudo apt-get install -y clamav-daemon"
    fi
    sd_log "installing Debian's clamav-daemon (one time)…"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends clamav-daemon >/dev/null \
      || sd_die "apt-get install clamav-daemon failed; see the messages above."
  fi
  local dir=$SD_ROOT/.data/clamav
  mkdir -p "$dir/db"
  # The EICAR test file's MD5 and size: the one signature this clamd knows.
  echo "44d88612fea8a8f36de82e1278abb02f:68:SupportDesk.Test.EICAR" >"$dir/db/supportdesk-test.hdb"
  cat >"$dir/clamd.conf" <<CONF
Foreground yes
DatabaseDirectory $dir/db
TCPSocket $SD_CLAMAV_PORT
TCPAddr 127.0.0.1
StreamMaxLength 100M
LogFile $dir/clamd.log
CONF
  [[ $(id -u) -eq 0 ]] && echo "User root" >>"$dir/clamd.conf"
  # A session of its own, like the cluster pg_ctl starts: it outlives this script and holds none of its output.
  setsid nohup clamd -c "$dir/clamd.conf" >"$dir/clamd.out" 2>&1 < /dev/null &
  local i
  for i in $(seq 1 60); do
    sd_clamav_ping && { sd_log "clamd answers on $TEST_CLAMAV_HOST"; return 0; }
    sleep 0.5
  done
  tail -n 20 "$dir/clamd.out" >&2 2>/dev/null
  sd_die "clamd did not start (log: $dir/clamd.out)"
}
