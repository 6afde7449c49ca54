# Sourced by up.sh and test.sh: what both need before they build and start anything.
# Sets ROOT, moves there, checks for the .NET SDK, starts PostgreSQL and RabbitMQ (remembering in
# started_infra whether this script started them, so that it stops only what it started) and
# exports the settings services and tests read.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
CONFIGURATION="${CONFIGURATION:-Release}"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET 10 SDK is required (https://dot.net); 'dotnet' is not on PATH." >&2
  exit 1
fi

started_infra=0
infra_status="$(bash infra/local/infra.sh status 2>/dev/null || true)"
if ! grep -q "rabbitmq: running" <<<"$infra_status" || ! grep -q "postgres: running" <<<"$infra_status"; then
  started_infra=1
fi
bash infra/local/infra.sh start
eval "$(bash infra/local/infra.sh env)"
