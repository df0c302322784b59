# shellcheck shell=bash
# A private Dovecot IMAP server for the inbound email tests (sourced by scripts/test after scripts/lib/postgres.sh):
# Debian's dovecot-imapd, installed if missing, on 127.0.0.1:$SUPPORTDESK_IMAP_PORT (default 51143), with its own config,
# a passwd-file user (support / support-pass) and maildirs under .data/dovecot/. Plaintext IMAP on loopback only.
# Idempotent: a Dovecot already answering on the port is reused. Exports TEST_IMAP_HOST, TEST_IMAP_PORT, TEST_IMAP_USER,
# TEST_IMAP_PASSWORD.

SD_IMAP_PORT=${SUPPORTDESK_IMAP_PORT:-51143}

sd_imap_ping() {
  python3 - "$SD_IMAP_PORT" <<'PY' 2>/dev/null
import socket, sys
try:
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
    sys.exit(0 if s.recv(64).startswith(b"* OK") else 1)
except OSError:
    sys.exit(1)
PY
}

sd_apt_install() {
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && sudo=(sudo -n) \
      || sd_die "$1 is not installed and this user cannot install it: sudo apt-get install -y $*"
  fi
  sd_log "installing Debian's $* (one time)…"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || sd_die "apt-get install $* failed; see the messages above."
}

sd_dovecot_up() {
  export TEST_IMAP_HOST=127.0.0.1 TEST_IMAP_PORT=$SD_IMAP_PORT TEST_IMAP_USER=support TEST_IMAP_PASSWORD=support-pass
  sd_imap_ping && return 0
  command -v dovecot >/dev/null 2>&1 || sd_apt_install dovecot-imapd
  local dir=$SD_ROOT/.data/dovecot
  mkdir -p "$dir/run" "$dir/state" "$dir/mail"
  local user group
  # Dovecot never lets mail processes run as root; as root it uses its own system user.
  if [[ $(id -u) -eq 0 ]]; then user=dovecot; group=dovecot; else user=$(id -un); group=$(id -gn); fi
  chown -R "$user:$group" "$dir/mail" 2>/dev/null || true
  echo "support:{PLAIN}support-pass" >"$dir/passwd"
  cat >"$dir/dovecot.conf" <<CONF
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = $( [[ $(id -u) -eq 0 ]] && echo dovenull || id -un )
default_internal_user = $( [[ $(id -u) -eq 0 ]] && echo dovecot || id -un )
first_valid_uid = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/passwd
}
userdb {
  driver = static
  args = uid=$user gid=$group home=$dir/mail/%u
}
mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  mailbox Processed {
    auto = create
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $SD_IMAP_PORT
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
CONF
  dovecot -c "$dir/dovecot.conf" >"$dir/dovecot.out" 2>&1 || { cat "$dir/dovecot.out" >&2; sd_die "dovecot did not start (config: $dir/dovecot.conf)"; }
  local i
  for i in $(seq 1 40); do
    sd_imap_ping && { sd_log "Dovecot answers IMAP on 127.0.0.1:$SD_IMAP_PORT"; return 0; }
    sleep 0.25
  done
  tail -n 20 "$dir/dovecot.log" >&2 2>/dev/null
  sd_die "Dovecot did not answer on 127.0.0.1:$SD_IMAP_PORT (log: $dir/dovecot.log)"
}

# swaks, the SMTP test tool one inbound test drives the listener with.
sd_swaks_ensure() {
  command -v swaks >/dev/null 2>&1 || sd_apt_install swaks
}
