#!/usr/bin/env bash
# Project-local PostgreSQL 15 and RabbitMQ on loopback, with their own data directories,
# ports and node name, so that they never touch a machine's default clusters or services.
#
#   infra/local/infra.sh start          install when missing, start both, wait until ready (idempotent)
#   infra/local/infra.sh stop           stop both
#   infra/local/infra.sh status         say what runs
#   infra/local/infra.sh env            print the environment variables services and tests read
#   infra/local/infra.sh rabbit-kill    kill -9 the RabbitMQ node (fault tests)
#   infra/local/infra.sh rabbit-start   start only RabbitMQ and wait until it is ready
#   infra/local/infra.sh pg-stop        stop only PostgreSQL at once, as a crash would (fault tests)
#   infra/local/infra.sh pg-start       start only PostgreSQL and wait until it accepts connections
#   infra/local/infra.sh browser        install what the browser tests drive: Debian's Chromium, Node.js/npm, axe-core
#
# Settings (environment): TRACEABILITY_STATE_DIR (default <repo>/.local), TRACEABILITY_PG_PORT
# (54329), TRACEABILITY_AMQP_PORT (56729), TRACEABILITY_RABBIT_DIST_PORT (25679), TRACEABILITY_RABBIT_MGMT_PORT (15679),
# TRACEABILITY_EPMD_PORT (44369).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE="${TRACEABILITY_STATE_DIR:-$ROOT/.local}"
PG_PORT="${TRACEABILITY_PG_PORT:-54329}"
AMQP_PORT="${TRACEABILITY_AMQP_PORT:-56729}"
DIST_PORT="${TRACEABILITY_RABBIT_DIST_PORT:-25679}"
EPMD_PORT="${TRACEABILITY_EPMD_PORT:-44369}"
MGMT_PORT="${TRACEABILITY_RABBIT_MGMT_PORT:-15679}"
PG_BIN="${TRACEABILITY_PG_BIN:-/usr/lib/postgresql/15/bin}"
RABBIT_BIN=/usr/lib/rabbitmq/bin
DB_NAME=traceability
DB_USER=traceability
DB_PASSWORD=traceability
RABBIT_USER=traceability
RABBIT_PASSWORD=traceability
RABBIT_NODE="traceability@localhost"

log() { printf '[infra] %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
  local missing=()
  [ -x "$PG_BIN/postgres" ] || missing+=(postgresql-15)
  [ -x "$RABBIT_BIN/rabbitmq-server" ] || missing+=(rabbitmq-server)
  command -v pgbench >/dev/null 2>&1 || [ -x "$PG_BIN/pgbench" ] || missing+=(postgresql-contrib)
  # The deployment tests render infra/k8s (kubectl kustomize) and check docker-compose.yml (docker-compose config).
  local tools=()
  command -v kubectl >/dev/null 2>&1 || tools+=(kubernetes-client)
  command -v docker-compose >/dev/null 2>&1 || tools+=(docker-compose)
  [ ${#missing[@]} -eq 0 ] && [ ${#tools[@]} -eq 0 ] && return 0
  [ ${#missing[@]} -gt 0 ] && log "installing ${missing[*]} with apt"
  # The packages' own services must not start: this project runs its own instances.
  local policy=/usr/sbin/policy-rc.d placed=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod +x "$policy"
    placed=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  if [ ${#missing[@]} -gt 0 ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  # Without recommends: docker-compose would bring a Docker engine, which `docker-compose config` does not need.
  if [ ${#tools[@]} -gt 0 ]; then
    log "installing ${tools[*]} with apt"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${tools[@]}" >/dev/null
  fi
  [ "$placed" -eq 1 ] && as_root rm -f "$policy"
  return 0
}

# PostgreSQL refuses to run as root: then it runs as the unprivileged 'postgres' user, which
# must be able to reach the data directory. A checkout under /root is not reachable by it,
# so the data then lives under /var/tmp, named after the checkout.
pg_user() { if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi; }
run_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    # From / : the postgres user may not be allowed into the caller's working directory.
    ( cd / && runuser -u postgres -- "$@" )
  else
    "$@"
  fi
}
pg_dir() {
  local wanted="$STATE/postgres"
  if [ "$(id -u)" -ne 0 ]; then echo "$wanted"; return; fi
  mkdir -p "$STATE"
  if runuser -u postgres -- test -x "$STATE" 2>/dev/null; then
    echo "$wanted"
  else
    echo "/var/tmp/traceability-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)/postgres"
  fi
}

pg_running() {
  local dir; dir="$(pg_dir)"
  [ -f "$dir/data/postmaster.pid" ] && run_pg "$PG_BIN/pg_ctl" -D "$dir/data" status >/dev/null 2>&1
}

start_postgres() {
  local dir; dir="$(pg_dir)"
  if pg_running; then log "PostgreSQL already running on 127.0.0.1:$PG_PORT"; return 0; fi
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown "$(pg_user)" "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    log "initialising PostgreSQL cluster in $dir/data"
    run_pg "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$dir'
max_connections = 300
shared_buffers = 256MB
fsync = on
synchronous_commit = on
log_min_messages = warning
EOF
    [ "$(id -u)" -eq 0 ] && chown "$(pg_user)" "$dir/data/postgresql.conf"
  fi
  # pg_stat_statements, which bench/run.sh --profile reads: a hash lookup per statement. A cluster made
  # before this line gets it on its next start.
  if ! grep -q "^shared_preload_libraries" "$dir/data/postgresql.conf"; then
    echo "shared_preload_libraries = 'pg_stat_statements'" | run_pg tee -a "$dir/data/postgresql.conf" >/dev/null
  fi
  run_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >/dev/null
  local sql="DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN CREATE ROLE $DB_USER LOGIN PASSWORD '$DB_PASSWORD' SUPERUSER; END IF; END \$\$;"
  run_pg "$PG_BIN/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "$sql" >/dev/null
  if ! run_pg "$PG_BIN/psql" -tA -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1; then
    run_pg "$PG_BIN/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c "CREATE DATABASE $DB_NAME OWNER $DB_USER" >/dev/null
  fi
  log "PostgreSQL ready on 127.0.0.1:$PG_PORT (data $dir/data)"
}

stop_postgres() {
  local dir; dir="$(pg_dir)"
  if pg_running; then
    run_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null && log "PostgreSQL stopped"
  fi
}

rabbit_env() {
  export RABBITMQ_NODENAME="$RABBIT_NODE"
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT="$AMQP_PORT"
  export RABBITMQ_DIST_PORT="$DIST_PORT"
  export ERL_EPMD_PORT="$EPMD_PORT"
  export ERL_EPMD_ADDRESS=127.0.0.1
  export RABBITMQ_MNESIA_BASE="$STATE/rabbitmq/mnesia"
  export RABBITMQ_LOG_BASE="$STATE/rabbitmq/log"
  export RABBITMQ_PID_FILE="$STATE/rabbitmq/rabbitmq.pid"
  export RABBITMQ_CONFIG_FILE="$STATE/rabbitmq/rabbitmq"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$STATE/rabbitmq/advanced.config"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$STATE/rabbitmq/enabled_plugins"
  export RABBITMQ_CONF_ENV_FILE="$STATE/rabbitmq/rabbitmq-env.conf"
  export RABBITMQ_LOGS="$STATE/rabbitmq/log/node.log"
  # The Erlang cookie lives in HOME: keep ours apart from any other node's.
  export HOME="$STATE/rabbitmq/home"
}

rabbit_ctl() { ( rabbit_env; "$RABBIT_BIN/rabbitmqctl" -n "$RABBIT_NODE" "$@" ); }

rabbit_running() {
  [ -f "$STATE/rabbitmq/rabbitmq.pid" ] || return 1
  local pid; pid="$(cat "$STATE/rabbitmq/rabbitmq.pid" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

start_rabbit() {
  if rabbit_running && rabbit_ctl await_startup --timeout 5 >/dev/null 2>&1; then
    log "RabbitMQ already running on 127.0.0.1:$AMQP_PORT"; return 0
  fi
  mkdir -p "$STATE/rabbitmq/mnesia" "$STATE/rabbitmq/log" "$STATE/rabbitmq/home"
  : >"$STATE/rabbitmq/rabbitmq-env.conf"
  echo '[rabbitmq_management].' >"$STATE/rabbitmq/enabled_plugins"
  echo '[].' >"$STATE/rabbitmq/advanced.config"
  cat >"$STATE/rabbitmq/rabbitmq.conf" <<EOF
listeners.tcp.1 = 127.0.0.1:$AMQP_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $MGMT_PORT
loopback_users = none
log.console = false
log.file.level = warning
disk_free_limit.absolute = 200MB
EOF
  rm -f "$STATE/rabbitmq/rabbitmq.pid"
  (
    rabbit_env
    # setsid: the node must outlive the shell that started it, and Ctrl-C in a terminal
    # must reach it only through our stop, not as a stray SIGINT.
    setsid "$RABBIT_BIN/rabbitmq-server" >"$STATE/rabbitmq/log/stdout.log" 2>&1 </dev/null &
  )
  local i
  for i in $(seq 1 120); do
    if rabbit_ctl await_startup --timeout 2 >/dev/null 2>&1; then break; fi
    if [ "$i" -eq 120 ] || { [ "$i" -gt 5 ] && ! pgrep -f "beam.*$RABBIT_NODE" >/dev/null; }; then
      log "RabbitMQ did not start; see $STATE/rabbitmq/log"; tail -c 1500 "$STATE/rabbitmq/log/stdout.log" >&2 || true; return 1
    fi
    sleep 1
  done
  if ! rabbit_ctl list_users 2>/dev/null | grep -q "^$RABBIT_USER\b"; then
    rabbit_ctl add_user "$RABBIT_USER" "$RABBIT_PASSWORD" >/dev/null
    rabbit_ctl set_user_tags "$RABBIT_USER" administrator >/dev/null
    rabbit_ctl set_permissions -p / "$RABBIT_USER" '.*' '.*' '.*' >/dev/null
  fi
  log "RabbitMQ ready on 127.0.0.1:$AMQP_PORT (management http://127.0.0.1:$MGMT_PORT)"
}

stop_rabbit() {
  if rabbit_running; then
    rabbit_ctl stop >/dev/null 2>&1 || kill_rabbit
    log "RabbitMQ stopped"
  fi
}

kill_rabbit() {
  local pid; pid="$(cat "$STATE/rabbitmq/rabbitmq.pid" 2>/dev/null || true)"
  if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; fi
  # Let the OS reap it before a restart binds the same ports.
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  log "RabbitMQ node killed (pid $pid)"
}

# Immediate mode: no checkpoint, every connection cut, recovery from the WAL at the next start, the
# way a crashed or failed-over database looks to the services. Only this project's cluster is touched.
crash_postgres() {
  local dir; dir="$(pg_dir)"
  if pg_running; then
    run_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null && log "PostgreSQL stopped (immediate)"
  fi
}

# The browser tests (Category "Browser") drive Debian's Chromium through Playwright (whose own browser
# download cannot work on a machine that reaches only package registries) and inject axe-core from npm
# into every page. Playwright's driver comes with its NuGet package; npm is needed for axe-core only.
AXE_VERSION=4.14.1
install_browser_tools() {
  local packages=()
  [ -x /usr/bin/chromium ] || packages+=(chromium fonts-liberation)
  command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
  if [ ${#packages[@]} -gt 0 ]; then
    log "installing ${packages[*]} with apt"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
  fi
  local axe="$STATE/browser/node_modules/axe-core"
  if ! grep -q "\"version\": \"$AXE_VERSION\"" "$axe/package.json" 2>/dev/null; then
    log "installing axe-core $AXE_VERSION with npm into $STATE/browser"
    mkdir -p "$STATE/browser"
    npm install --prefix "$STATE/browser" --no-audit --no-fund --silent "axe-core@$AXE_VERSION" >/dev/null
  fi
}

print_env() {
  local dir; dir="$(pg_dir)"
  cat <<EOF
export Database__Provider=postgres
export ConnectionStrings__Traceability='Host=127.0.0.1;Port=$PG_PORT;Database=$DB_NAME;Username=$DB_USER;Password=$DB_PASSWORD;Maximum Pool Size=100'
export RabbitMq__Host=127.0.0.1
export RabbitMq__Port=$AMQP_PORT
export RabbitMq__Username=$RABBIT_USER
export RabbitMq__Password=$RABBIT_PASSWORD
export RabbitMq__VirtualHost=/
export TRACEABILITY_PG_BIN=$PG_BIN
export TRACEABILITY_PG_PORT=$PG_PORT
export TRACEABILITY_PG_SOCKET_DIR=$dir
export TRACEABILITY_RABBIT_MGMT_PORT=$MGMT_PORT
export TRACEABILITY_INFRA_SCRIPT=$ROOT/infra/local/infra.sh
export TRACEABILITY_AXE_SCRIPT=$STATE/browser/node_modules/axe-core/axe.min.js
EOF
}

case "${1:-}" in
  start) install_packages; start_postgres; start_rabbit ;;
  stop) stop_rabbit; stop_postgres ;;
  status)
    if pg_running; then echo "postgres: running 127.0.0.1:$PG_PORT"; else echo "postgres: stopped"; fi
    if rabbit_running; then echo "rabbitmq: running 127.0.0.1:$AMQP_PORT"; else echo "rabbitmq: stopped"; fi ;;
  env) print_env ;;
  rabbit-kill) kill_rabbit ;;
  rabbit-start) start_rabbit ;;
  pg-stop) crash_postgres ;;
  pg-start) start_postgres ;;
  browser) install_browser_tools ;;
  *) echo "usage: $0 start|stop|status|env|rabbit-kill|rabbit-start|pg-stop|pg-start|browser" >&2; exit 2 ;;
esac
