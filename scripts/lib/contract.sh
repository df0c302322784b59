#!/usr/bin/env bash
# The API contract, checked against the running service: starts the built service on a free loopback port over a
# fresh, randomly named database, fetches /openapi/v1.json and runs four checks on it —
#   spectral   Spectral (spectral:oas) lint, SupportDesk.Tests/Contract/.spectral.yaml
#   redocly    Redocly lint (recommended), SupportDesk.Tests/Contract/redocly.yaml
#   tsc        a TypeScript client generated from the document (openapi-typescript) type-checks the README
#              walk-through with tsc --strict
#   walkthrough  the walk-through, compiled, runs through that client against the service
# Then stops the service and drops the database. Called by scripts/test after dotnet test:
#   scripts/lib/contract.sh COUNTS_FILE    writes "passed failed" to COUNTS_FILE; exit status 1 if any check failed
# Needs the service built (dotnet test builds it; SD_CONTRACT_CONFIGURATION, default Debug) and PostgreSQL at
# TEST_DATABASE_URL (scripts/test sets it; standalone, the private cluster is started).
set -uo pipefail
SD_ROOT=${SD_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
source "$SD_ROOT/scripts/lib/postgres.sh"

counts_file=${1:-/dev/null}
contract=$SD_ROOT/SupportDesk.Tests/Contract
out=$contract/.generated
passed=0
failed=0
service_pid=
database=
server_url=

report() {
  echo "$passed $failed" >"$counts_file"
  sd_log "contract: $passed passed, $failed failed"
}

cleanup() {
  if [[ -n $service_pid ]]; then
    kill "$service_pid" 2>/dev/null && wait "$service_pid" 2>/dev/null
  fi
  if [[ -n $database ]]; then
    "$psql" "$server_url" -v ON_ERROR_STOP=1 -qtAc "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" >/dev/null 2>&1 \
      || sd_log "contract: could not drop database $database"
  fi
}
trap cleanup EXIT

# Counts one check: runs it with its output in $out/<name>.log, shown (the tail) only when it fails.
check() {
  local name=$1; shift
  if "$@" >"$out/$name.log" 2>&1; then
    passed=$((passed + 1))
    printf '  [pass] %-12s %s\n' "$name" "$(summary "$name")"
  else
    failed=$((failed + 1))
    printf '  [FAIL] %s (log: %s)\n' "$name" "$out/$name.log"
    tail -n 40 "$out/$name.log" | sed 's/^/         /'
  fi
}

# The one line worth keeping from each tool's output.
summary() {
  case $1 in
    spectral) grep -E '✖|No results' "$out/spectral.log" | tail -n 1 ;;
    redocly) grep -E 'Validation failed|Woohoo|You have' "$out/redocly.log" | tr '\n' ' ' ;;
    tsc) echo "the walk-through and the mistakes it must refuse type-check against the generated client" ;;
    walkthrough) tail -n 1 "$out/walkthrough.log" ;;
  esac
}

# Everything below counts as one failed check when it cannot even start, so the summary never reads green.
give_up() {
  sd_log "contract: $*"
  failed=$((failed + 4 - passed))
  report
  exit 1
}

ensure_node() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
      command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null || return 1
      sudo=(sudo -n)
    fi
    command -v apt-get >/dev/null 2>&1 || return 1
    sd_log "installing Debian's nodejs and npm (one time)…"
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null || return 1
  fi
}

# npm ci only when package-lock.json changed since the last install; the cache lives in the project (.data/).
ensure_packages() {
  local stamp=$contract/node_modules/.package-lock.sha1 want
  want=$(sha1sum "$contract/package-lock.json" | cut -d' ' -f1)
  [[ -f $stamp && $(cat "$stamp") == "$want" ]] && return 0
  # --ignore-scripts: none of these tools needs an install script (one would only send telemetry).
  (cd "$contract" && npm_config_cache=$SD_ROOT/.data/npm-cache npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) \
    && echo "$want" >"$stamp"
}

free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

wait_for_health() {
  local url=$1 i
  for ((i = 0; i < 120; i++)); do
    kill -0 "$service_pid" 2>/dev/null || return 1
    node -e 'fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$url" && return 0
    sleep 0.5
  done
  return 1
}

mkdir -p "$out"
rm -rf "$out/out" "$out"/*.log
ensure_node || give_up "node and npm are missing and cannot be installed (not root, no password-less sudo); install Node 20+"
ensure_packages || give_up "npm ci failed in $contract"

# The server that scripts/test uses (TEST_DATABASE_URL), or the private cluster.
if [[ -z ${TEST_DATABASE_URL:-} ]]; then
  sd_pg_up
  TEST_DATABASE_URL="$SUPPORTDESK_PG_URL/postgres"
fi
server_url=$TEST_DATABASE_URL
psql=$( (pg_bin=$(sd_find_pg_bin) && echo "$pg_bin/psql") || command -v psql) || give_up "psql not found"
database=sd_contract_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
"$psql" "$server_url" -v ON_ERROR_STOP=1 -qtAc "CREATE DATABASE \"$database\"" >/dev/null \
  || { database=; give_up "could not create a database at ${server_url%%\?*}"; }

configuration=${SD_CONTRACT_CONFIGURATION:-Debug}
dll=$SD_ROOT/bin/$configuration/net10.0/SupportDesk.dll
[[ -f $dll ]] || give_up "$dll is missing: build the service first (dotnet test does)"
port=$(free_port)
base_url=http://127.0.0.1:$port
admin_email=contract-admin@example.com
admin_password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
(
  cd "$SD_ROOT" &&
  DATABASE_URL=${server_url%/*}/$database \
  ASPNETCORE_ENVIRONMENT=Development \
  ASPNETCORE_URLS=$base_url \
  JWT_SECRET=$(head -c 48 /dev/urandom | base64 -w0) \
  ADMIN_EMAIL=$admin_email ADMIN_PASSWORD=$admin_password \
  RATE_LIMIT_AUTH_PER_MINUTE=1000 \
  BCRYPT_WORK_FACTOR=4 \
  LOG_LEVEL=warn \
  exec dotnet "$dll"
) >"$out/service.log" 2>&1 &
service_pid=$!
wait_for_health "$base_url/health" || { tail -n 20 "$out/service.log" >&2; give_up "the service did not become healthy (log: $out/service.log)"; }
node -e 'fetch(process.argv[1]).then(async r => { if (!r.ok) process.exit(1); process.stdout.write(await r.text()); }, () => process.exit(1))' \
  "$base_url/openapi/v1.json" >"$out/openapi.json" || give_up "could not fetch $base_url/openapi/v1.json"

export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1
bin=$contract/node_modules/.bin
sd_log "contract: checking $base_url/openapi/v1.json"
cd "$contract"
check spectral "$bin/spectral" lint --ruleset .spectral.yaml --fail-severity error .generated/openapi.json
check redocly "$bin/redocly" lint --config redocly.yaml .generated/openapi.json
generate_and_check() {
  "$bin/openapi-typescript" .generated/openapi.json --output .generated/api.d.ts && "$bin/tsc" --project . --noEmit
}
check tsc generate_and_check
run_walkthrough() {
  "$bin/tsc" --project . --noEmit false --outDir .generated/out &&
    BASE_URL=$base_url ADMIN_EMAIL=$admin_email ADMIN_PASSWORD=$admin_password node .generated/out/walkthrough.js
}
check walkthrough run_walkthrough

report
[[ $failed -eq 0 ]]
