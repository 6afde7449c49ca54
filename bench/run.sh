#!/usr/bin/env bash
# The ingest benchmark: starts its own copy of the platform (PostgreSQL and RabbitMQ as up.sh
# does, services on ports 52xx with rate limits lifted), drives it for a fixed time per scenario
# and prints the figures, then stops what it started.
#   bash bench/run.sh            10 s per scenario (about 3 minutes in all)
#   bash bench/run.sh --seconds 30
#   bash bench/run.sh --quick    fewer scenarios, for a smoke run
#   bash bench/run.sh --only grievances   SMS webhooks answered per second, and SMS -> flag visible in Risk
#   bash bench/run.sh --only shipments --concurrency 4 --profile
#                                CPU per record from /proc and the costliest statements (pg_stat_statements)
#   bash bench/run.sh --only audits [--claims 100000]
#                                audits of 50 findings per second; a certificate's suspension to every claiming shipment flagged
#   bash bench/run.sh --only risk [--risk-events 2000] [--risk-flags 1000000]
#                                Risk's events evaluated per second per rule family; GET /api/v1/flags p50/p99 by caller over a million flags
#   bash bench/run.sh --peer-url http://127.0.0.1:5255/capture [--peer-header 'Authorization: Basic …']
#                                the same EPCIS documents against another EPCIS capture endpoint, side by side
#   bash bench/run.sh --only epcis --peer [--peer-source DIR] [--profile]
#                                starts the peer EPCIS repository itself (bench/peer.sh, on PEER_PORT, default 5255;
#                                FasTnT epcis-ef-core from DIR or a fresh clone) and compares with it, then stops it
# Ports: PROVENANCE_PORT, AUDITS_PORT, GRIEVANCES_PORT, RISK_PORT (default 5201-5204), IDENTITY_PORT (5205), PORTAL_PORT (5200), and the
# infrastructure's TRACEABILITY_* ports as infra.sh reads them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
export PROVENANCE_PORT="${PROVENANCE_PORT:-5201}" AUDITS_PORT="${AUDITS_PORT:-5202}" GRIEVANCES_PORT="${GRIEVANCES_PORT:-5203}" RISK_PORT="${RISK_PORT:-5204}"
# Identity and the portal are not measured, but up.sh starts them too: beside the others, not on up.sh's own 5105 / 5100.
export IDENTITY_PORT="${IDENTITY_PORT:-5205}" PORTAL_PORT="${PORTAL_PORT:-5200}"
export RateLimit__Burst=100000000 RateLimit__PerSecond=100000000
# The audits scenarios mint tokens with an issuer of the benchmark's own (AuditsBench), at this address.
export Auth__Authority="${Auth__Authority:-http://127.0.0.1:${BENCH_ISSUER_PORT:-5209}/}"
export Logging__LogLevel__Default=Warning

# Waits until the background script `pid` writes a line matching `pattern` to `log` (or fails with its log).
# Both scripts build first: on a busy two-core machine a build after a change to shared code takes minutes.
await_line() {
  local log=$1 pattern=$2 pid=$3
  for _ in $(seq 1 1800); do
    grep -q "$pattern" "$log" 2>/dev/null && return 0
    if ! kill -0 "$pid" 2>/dev/null; then cat "$log" >&2; exit 1; fi
    sleep 1
  done
  echo "nothing like '$pattern' in $log after 30 minutes" >&2
  exit 1
}

# Stops what this script started (the peer, then the platform: services, and infrastructure if up.sh started it) on
# every way out: the end, a failed step, the peer failing, Ctrl-C, TERM. TERM, not INT: a background job of a script
# ignores SIGINT. Every step tolerates a process already gone: errexit holds inside a trap too, and a failed `kill`
# of a peer that had died already ended the trap before it stopped the platform.
platform="" peer_pid=""
cleanup() {
  trap - EXIT INT TERM
  if [ -n "$peer_pid" ]; then kill -TERM "$peer_pid" 2>/dev/null || true; wait "$peer_pid" 2>/dev/null || true; fi
  if [ -n "$platform" ]; then kill -TERM "$platform" 2>/dev/null || true; wait "$platform" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

# A fresh clone has no .local/ yet, and the redirect below needs it before up.sh could create it.
mkdir -p "$ROOT/.local"
bash infra/local/up.sh >"$ROOT/.local/bench-platform.log" 2>&1 &
platform=$!
await_line "$ROOT/.local/bench-platform.log" "Traceability is up" "$platform"

eval "$(bash infra/local/infra.sh env)"
export Admin__ApiKey="${Admin__ApiKey:-$(cat "$ROOT/.local/admin-key")}"
export PROVENANCE_URL="http://127.0.0.1:$PROVENANCE_PORT/" AUDITS_URL="http://127.0.0.1:$AUDITS_PORT/" GRIEVANCES_URL="http://127.0.0.1:$GRIEVANCES_PORT/" RISK_URL="http://127.0.0.1:$RISK_PORT/"
# The Twilio token the platform's Grievances checks signatures with (up.sh keeps it there), and the URL it signs over.
set -a
# shellcheck disable=SC1091
source "$ROOT/.local/grievances.env"
set +a
export Sms__PublicBaseUrl="${Sms__PublicBaseUrl:-http://127.0.0.1:$GRIEVANCES_PORT}"
export TRACEABILITY_RABBIT_PID_FILE="${TRACEABILITY_STATE_DIR:-$ROOT/.local}/rabbitmq/rabbitmq.pid"

# --peer: the peer repository is started here (after the platform, on the same PostgreSQL) and its address handed on.
arguments=() peer=0 peer_source=()
while [ $# -gt 0 ]; do
  case "$1" in
    --peer) peer=1; shift ;;
    --peer-source) peer_source=(--source "$2"); shift 2 ;;
    *) arguments+=("$1"); shift ;;
  esac
done
if [ "$peer" -eq 1 ]; then
  bash bench/peer.sh "${peer_source[@]}" >"$ROOT/.local/bench-peer.log" 2>&1 &
  peer_pid=$!
  await_line "$ROOT/.local/bench-peer.log" "^peer is up" "$peer_pid"
  line="$(grep "^peer is up" "$ROOT/.local/bench-peer.log")"
  peer_url="$(sed -n "s/.*--peer-url \([^ ]*\) .*/\1/p" <<<"$line")"
  peer_header="$(sed -n "s/.*--peer-header '\([^']*\)'.*/\1/p" <<<"$line")"
  arguments+=(--peer-url "$peer_url" --peer-header "$peer_header")
fi
dotnet build bench/Traceability.Benchmarks -c Release --nologo -v quiet -clp:ErrorsOnly
dotnet bench/Traceability.Benchmarks/bin/Release/net10.0/Traceability.Benchmarks.dll "${arguments[@]}"
