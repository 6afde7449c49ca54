#!/usr/bin/env bash
# The peer EPCIS 2.0 repository for the side-by-side benchmark: FasTnT's epcis-ef-core (EF Core over
# PostgreSQL), built for .NET 10 from its own source and run on the same PostgreSQL the benchmark uses,
# in a database of its own (fastnt_peer, made afresh at every start), logging at Warning, Basic auth.
# Runs until Ctrl-C (or TERM); `bench/run.sh --peer` starts it this way and stops it at the end.
#   bash bench/peer.sh                       clones https://github.com/FasTnT/epcis-ef-core (its newest commit)
#   bash bench/peer.sh --source DIR          a checkout of it, or a bare git directory (its HEAD)
#   bash bench/peer.sh --port 5255           where it listens (PEER_PORT, default 5255)
# Once it answers it prints the two options bench/run.sh takes:
#   peer is up: --peer-url http://127.0.0.1:5255/capture --peer-header 'Authorization: Basic …'
# Settings, and why (command-line options of the peer; its code is not changed, only the target framework and package versions, below):
#   Constants:CaptureSizeLimit=0        its size check compares the body's length with MaxEventsReturnedInQuery
#                                       (20,000) instead of CaptureSizeLimit, refusing any document over 20,000 bytes;
#                                       0 turns that check off (our limit, 16 MiB, is not enforced there either).
#   Constants:MaxEventsCapturePerCall   it refuses a document whose event count is >= this (default 500: a 500-event
#                                       document got 413 "Capture Payload too large"); 1001 admits 1,000 events, as we do.
# Migrations: EF Core's own tool (dotnet-ef 9, installed under .local/tools) writes the peer's migrations as
# one SQL script when it is built (not --idempotent: its raw-SQL views do not survive that form); psql applies it to the fresh database at every start.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
PEER_PORT="${PEER_PORT:-5255}"
PEER_REPOSITORY="${PEER_REPOSITORY:-https://github.com/FasTnT/epcis-ef-core}"
DOTNET_EF_VERSION="${DOTNET_EF_VERSION:-9.0.23}"
source_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --source) source_dir="$(cd "$2" && pwd)"; shift 2 ;;
    --port) PEER_PORT="$2"; shift 2 ;;
    *) echo "usage: bash bench/peer.sh [--source DIR] [--port N]" >&2; exit 2 ;;
  esac
done

PEER="$ROOT/.local/peer"
mkdir -p "$PEER"
# The peer is built under .local/peer: files named Directory.Build.props/.targets here stop MSBuild from
# walking up into this repository's own (warnings as errors, our thread-pool setting): the peer is built as it ships.
printf '<Project />\n' >"$PEER/Directory.Build.props"
printf '<Project />\n' >"$PEER/Directory.Build.targets"

# 1. The source: a bare git directory (its HEAD), a checkout (its files as they are), or a fresh clone.
stamp=""
if [ -z "$source_dir" ]; then
  rm -rf "$PEER/clone"
  git clone --quiet --depth 1 "$PEER_REPOSITORY" "$PEER/clone"
  source_dir="$PEER/clone"
fi
if [ "$(git -C "$source_dir" rev-parse --is-bare-repository 2>/dev/null || echo false)" = "true" ]; then
  stamp="git:$(git --git-dir="$source_dir" rev-parse HEAD)"
elif git -C "$source_dir" rev-parse --show-toplevel >/dev/null 2>&1 && [ -z "$(git -C "$source_dir" status --porcelain 2>/dev/null)" ]; then
  stamp="git:$(git -C "$source_dir" rev-parse HEAD)"
fi
if [ -z "$stamp" ] || [ "$stamp" != "$(cat "$PEER/built-from" 2>/dev/null || true)" ] || [ ! -s "$PEER/migrations.sql" ]; then
  echo "[peer] copying the source from $source_dir"
  rm -rf "$PEER/src" "$PEER/built-from" "$PEER/migrations.sql"
  mkdir -p "$PEER/src"
  if [ "$(git -C "$source_dir" rev-parse --is-bare-repository 2>/dev/null || echo false)" = "true" ]; then
    git --git-dir="$source_dir" archive HEAD | tar -x -C "$PEER/src"
  else
    tar -C "$source_dir" --exclude=.git --exclude=bin --exclude=obj -cf - . | tar -x -C "$PEER/src"
  fi
  # Built for the .NET this machine has (10) with the peer's own packages (EF Core 9, JsonSchema.Net 7).
  find "$PEER/src/src" -name '*.csproj' -exec sed -i 's#<TargetFramework>net[0-9.]*</TargetFramework>#<TargetFramework>net10.0</TargetFramework>#' {} +
  rm -f "$PEER/src/global.json"
  # Package versions the registry here serves: the peer's EF Core 9.0.0 / Npgsql provider 9.0.2 are not all
  # there (the provider's 9.0.4 needs EF Core >= 9.0.1), so EF Core and its extensions 9.0.10 and the provider 9.0.4, still EF Core 9;
  # JsonSchema.Net 7.4.0 for 7.3.1. Visual Studio's container tooling (build-time only, not open source) is left out.
  sed -i -E \
    -e 's#(Include="Microsoft\.(EntityFrameworkCore|Extensions)[A-Za-z.]*" Version=")9\.0\.[0-9]+#\19.0.10#' \
    -e 's#(Include="Npgsql\.EntityFrameworkCore\.PostgreSQL" Version=")9\.0\.[0-9]+#\19.0.4#' \
    -e 's#(Include="JsonSchema\.Net" Version=")7\.3\.1#\17.4.0#' \
    "$PEER/src/Directory.Packages.props"
  find "$PEER/src/src" -name '*.csproj' -exec sed -i '/Microsoft.VisualStudio.Azure.Containers.Tools.Targets/d' {} +
  echo "[peer] building FasTnT.Host (Release, net10.0)"
  dotnet build "$PEER/src/src/FasTnT.Host/FasTnT.Host.csproj" -c Release --nologo -v quiet -clp:ErrorsOnly
  if [ ! -x "$ROOT/.local/tools/dotnet-ef-9/dotnet-ef" ]; then
    dotnet tool install dotnet-ef --version "$DOTNET_EF_VERSION" --tool-path "$ROOT/.local/tools/dotnet-ef-9" >/dev/null
  fi
  echo "[peer] writing its EF Core migrations as SQL"
  # The tool is built for an older .NET; it runs on this one (the peer runs on .NET 10).
  DOTNET_ROLL_FORWARD=Major "$ROOT/.local/tools/dotnet-ef-9/dotnet-ef" migrations script --no-build --configuration Release \
    --project "$PEER/src/src/Providers/FasTnT.Postgres" --startup-project "$PEER/src/src/FasTnT.Host" --output "$PEER/migrations.sql" \
    -- --FasTnT.Database.Provider Postgres --ConnectionStrings:FasTnT.Database "Host=127.0.0.1;Database=unused" >"$PEER/migrations.log" 2>&1 \
    || { cat "$PEER/migrations.log" >&2; exit 1; }
  # A migration's raw SQL (its views) ends without a semicolon, which EF Core's own runner does not need (it sends
  # each command alone) but one script does: each history row's INSERT is preceded by an (otherwise empty) ';'.
  sed -i 's/^INSERT INTO "__EFMigrationsHistory"/;\n&/' "$PEER/migrations.sql"
  [ -n "$stamp" ] && echo "$stamp" >"$PEER/built-from"
fi

# 2. The same PostgreSQL as the benchmark (started if it is not running; stopped at the end only then).
started_infra=0
if ! grep -q "postgres: running" <<<"$(bash infra/local/infra.sh status 2>/dev/null || true)"; then
  started_infra=1
  bash infra/local/infra.sh start
fi
eval "$(bash infra/local/infra.sh env)"
pg_port="${TRACEABILITY_PG_PORT:-54329}"
export PGPASSWORD=traceability
psql=("${TRACEABILITY_PG_BIN:-/usr/lib/postgresql/15/bin}/psql" -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U traceability)
"${psql[@]}" -d traceability -c "DROP DATABASE IF EXISTS fastnt_peer WITH (FORCE)" -c "CREATE DATABASE fastnt_peer" >/dev/null
"${psql[@]}" -d fastnt_peer -f "$PEER/migrations.sql" >"$PEER/migrate.log"
echo "[peer] database fastnt_peer on 127.0.0.1:$pg_port, migrations applied"

# 3. Run it.
peer_pid=""
stop_peer() {
  trap - INT TERM EXIT
  if [ -n "$peer_pid" ]; then kill "$peer_pid" 2>/dev/null || true; wait "$peer_pid" 2>/dev/null || true; fi
  if [ "$started_infra" -eq 1 ]; then bash infra/local/infra.sh stop; fi
}
trap stop_peer INT TERM EXIT
ASPNETCORE_ENVIRONMENT=Production dotnet "$PEER/src/src/FasTnT.Host/bin/Release/net10.0/FasTnT.Host.dll" \
  --urls "http://127.0.0.1:$PEER_PORT" --contentRoot "$PEER/src/src/FasTnT.Host/bin/Release/net10.0" \
  --FasTnT.Database.Provider Postgres \
  --ConnectionStrings:FasTnT.Database "Host=127.0.0.1;Port=$pg_port;Database=fastnt_peer;Username=traceability;Password=traceability" \
  --Logging:LogLevel:Default=Warning \
  --Constants:CaptureSizeLimit=0 \
  --Constants:MaxEventsCapturePerCall=1001 >"$PEER/peer.log" 2>&1 &
peer_pid=$!
for i in $(seq 1 120); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$PEER_PORT" && printf 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3 && read -r status <&3 && [[ "$status" == *" 200 "* ]]) 2>/dev/null; then
    break
  fi
  if ! kill -0 "$peer_pid" 2>/dev/null || [ "$i" -eq 120 ]; then echo "[peer] it did not start; see $PEER/peer.log" >&2; cat "$PEER/peer.log" >&2; exit 1; fi
  sleep 0.5
done
# Any user name and password: the peer's Basic handler admits every one (it keeps captures per user).
echo "peer is up: --peer-url http://127.0.0.1:$PEER_PORT/capture --peer-header 'Authorization: Basic $(printf 'bench:bench' | base64)' (pid $peer_pid, log $PEER/peer.log)"
wait "$peer_pid"
