#!/usr/bin/env bash
# Brings the whole platform up on this machine: the project-local PostgreSQL and RabbitMQ
# (installed when missing), the bus topology of every service (the deploy step), then every
# service (each applies its migrations at start-up), printing each base URL. Ctrl-C stops everything this script started.
# Ports: PROVENANCE_PORT (5101), AUDITS_PORT (5102), GRIEVANCES_PORT (5103), RISK_PORT (5104), IDENTITY_PORT (5105), PORTAL_PORT (5100).
# Sign-in: the bundled Identity service; a bootstrap admin (TRACEABILITY_ADMIN_EMAIL, default admin@traceability.local)
# is created once, and its one-time set-password link printed.
set -euo pipefail

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
LOGS="$ROOT/.local/logs"

# The platform admin's credential: kept in .local/admin-key unless Admin__ApiKey is given.
if [ -z "${Admin__ApiKey:-}" ]; then
  if [ ! -s "$ROOT/.local/admin-key" ]; then
    mkdir -p "$ROOT/.local"
    (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$ROOT/.local/admin-key")
  fi
  Admin__ApiKey="$(cat "$ROOT/.local/admin-key")"
fi
export Admin__ApiKey

# Identity: its signing key survives restarts (made once, kept in .local/), its own address is the
# issuer, and every service trusts it unless Auth__Authority names another OIDC provider.
IDENTITY_PORT="${IDENTITY_PORT:-5105}"
if [ -z "${Identity__SigningKeyFile:-}${Identity__SigningKeyPem:-}" ]; then
  if [ ! -s "$ROOT/.local/identity-signing-key.pem" ]; then
    mkdir -p "$ROOT/.local"
    (umask 077; openssl genrsa -out "$ROOT/.local/identity-signing-key.pem" 3072 2>/dev/null)
  fi
  export Identity__SigningKeyFile="$ROOT/.local/identity-signing-key.pem"
fi
export Identity__Issuer="${Identity__Issuer:-http://127.0.0.1:$IDENTITY_PORT/}"
export Auth__Authority="${Auth__Authority:-http://127.0.0.1:$IDENTITY_PORT/}"
# The portal is a confidential OIDC client: Identity and the portal read the same secret, kept in
# .local/portal-client-secret unless Portal__ClientSecret is given. The portal calls the APIs on the ports below.
if [ -z "${Portal__ClientSecret:-}" ]; then
  if [ ! -s "$ROOT/.local/portal-client-secret" ]; then
    mkdir -p "$ROOT/.local"
    (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$ROOT/.local/portal-client-secret")
  fi
  Portal__ClientSecret="$(cat "$ROOT/.local/portal-client-secret")"
fi
PORTAL_URL="http://127.0.0.1:${PORTAL_PORT:-5100}"
export Portal__ClientSecret Clients__Portal__Secret="$Portal__ClientSecret" Clients__Portal__BaseUrl="$PORTAL_URL"
export Portal__Apis__Provenance="http://127.0.0.1:${PROVENANCE_PORT:-5101}/" Portal__Apis__Audits="http://127.0.0.1:${AUDITS_PORT:-5102}/" \
  Portal__Apis__Grievances="http://127.0.0.1:${GRIEVANCES_PORT:-5103}/" Portal__Apis__Risk="http://127.0.0.1:${RISK_PORT:-5104}/" \
  Portal__Apis__Identity="http://127.0.0.1:$IDENTITY_PORT/"
# Grievances' privacy keys (AES-256 for numbers and words, HMAC for pseudonyms) and the local Twilio token the
# simulator signs with: kept in .local/grievances.env unless Privacy__Keys__k1 is given. Losing them makes what
# Grievances stored unreadable; keep a deployment's keys in a secret store.
if [ -z "${Privacy__Keys__k1:-}" ]; then
  if [ ! -s "$ROOT/.local/grievances.env" ]; then
    mkdir -p "$ROOT/.local"
    (umask 077; {
      echo "Privacy__CurrentKeyId=k1"
      echo "Privacy__Keys__k1=$(head -c 32 /dev/urandom | base64 -w0)"
      echo "Privacy__PseudonymKey=$(head -c 32 /dev/urandom | base64 -w0)"
      echo "Sms__Twilio__AuthToken=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    } >"$ROOT/.local/grievances.env")
  fi
  set -a
  # shellcheck disable=SC1091
  source "$ROOT/.local/grievances.env"
  set +a
fi
# Locally, replies go to the simulator (no gateway credentials) and the simulator page is on.
export Sms__SimulatorEnabled="${Sms__SimulatorEnabled:-true}" Sms__PublicBaseUrl="${Sms__PublicBaseUrl:-http://127.0.0.1:${GRIEVANCES_PORT:-5103}}"
# A machine client for scripts and curl on this machine (client credentials, role admin): README, "Sign in".
if [ ! -s "$ROOT/.local/scripts-client-secret" ]; then
  (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$ROOT/.local/scripts-client-secret")
fi
export Clients__Machines__scripts__Secret="$(cat "$ROOT/.local/scripts-client-secret")"
export Clients__Machines__scripts__Roles__0=admin

echo "[up] building ($CONFIGURATION)"
dotnet build Traceability.sln -c "$CONFIGURATION" --nologo -v quiet -clp:ErrorsOnly
mkdir -p "$LOGS"

pids=()
stop_all() {
  trap - INT TERM EXIT
  echo
  echo "[up] stopping services"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$started_infra" -eq 1 ]; then bash infra/local/infra.sh stop; fi
}
# A signal ends the script once everything is stopped: were stop_all to return, a TERM that arrived during a topology
# step (bash runs the trap when the step ends) would be followed by services nobody stops.
trap stop_all EXIT
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM

ready() {
  # /dev/tcp keeps this free of curl; the answer's status line is all we read.
  local port=$1
  (
    exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
    printf 'GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
    read -r status <&3 || exit 1
    [[ "$status" == *" 200 "* ]]
  ) 2>/dev/null
}

# A new service joins the platform with one entry here (name:port).
services=("Identity:$IDENTITY_PORT" "Risk:${RISK_PORT:-5104}" "Audits:${AUDITS_PORT:-5102}" "Grievances:${GRIEVANCES_PORT:-5103}" "Provenance:${PROVENANCE_PORT:-5101}" "Portal:${PORTAL_PORT:-5100}")

# The topology step: every service declares its exchanges, consumer queues and bindings before
# any service starts, so no event is published before the queue that must hold it exists.
# A deploy that hangs until its timeout is run once more: MassTransit's DeployAsync (start, then stop) can rarely
# freeze when the stop overtakes the start (MassTransit/MassTransit#6099); the step is idempotent.
deploy_topology() {
  dotnet "services/$1/bin/$CONFIGURATION/net10.0/Traceability.$1.dll" topology >"$LOGS/$1-topology.log" 2>&1 && return 0
  grep -q "TimeoutException" "$LOGS/$1-topology.log" || return 1
  echo "[up] the topology step of $1 timed out; running it once more" >&2
  dotnet "services/$1/bin/$CONFIGURATION/net10.0/Traceability.$1.dll" topology >"$LOGS/$1-topology.log" 2>&1
}
for entry in "${services[@]}"; do
  name="${entry%%:*}"
  if ! deploy_topology "$name"; then
    echo "[up] the topology step of $name failed; see $LOGS/$name-topology.log" >&2
    if grep -q "inequivalent arg" "$LOGS/$name-topology.log"; then
      echo "[up] this broker has a queue of another type (classic, from before quorum queues): README, \"Changing a queue's type\"" >&2
    fi
    exit 1
  fi
done
echo "[up] topology deployed for ${#services[@]} services"

# The bootstrap admin, once: the command exits 3 when the account exists already.
ADMIN_EMAIL="${TRACEABILITY_ADMIN_EMAIL:-admin@traceability.local}"
IDENTITY_DLL="services/Identity/bin/$CONFIGURATION/net10.0/Traceability.Identity.dll"
admin_status=0
admin_answer="$(dotnet "$IDENTITY_DLL" users create "$ADMIN_EMAIL" --role admin --if-missing 2>"$LOGS/identity-bootstrap.log")" || admin_status=$?
case "$admin_status" in
  0) admin_link="$(printf '%s' "$admin_answer" | sed -n 's/.*"link": *"\([^"]*\)".*/\1/p' | head -1)" ;;
  3) admin_link="" ;;
  *) echo "[up] creating the bootstrap admin failed; see $LOGS/identity-bootstrap.log" >&2; exit 1 ;;
esac

for entry in "${services[@]}"; do
  name="${entry%%:*}" port="${entry##*:}"
  dotnet "services/$name/bin/$CONFIGURATION/net10.0/Traceability.$name.dll" --urls "http://127.0.0.1:$port" >"$LOGS/$name.log" 2>&1 &
  pids+=($!)
done
for entry in "${services[@]}"; do
  name="${entry%%:*}" port="${entry##*:}"
  for i in $(seq 1 120); do
    if ready "$port"; then break; fi
    if [ "$i" -eq 120 ]; then echo "[up] $name did not become ready; see $LOGS/$name.log" >&2; exit 1; fi
    sleep 0.5
  done
done

echo
echo "Traceability is up (logs in $LOGS):"
for entry in "${services[@]}"; do
  name="${entry%%:*}" port="${entry##*:}"
  printf '  %-11s http://127.0.0.1:%s   (health /health/ready, API document /openapi/v1.json)\n' "$name" "$port"
done
echo "  Admin API   Authorization: Bearer \$(cat .local/admin-key)   (onboard exporters, create accounts: see README)"
echo "  Portal      $PORTAL_URL   open it, sign in as $ADMIN_EMAIL (password set as below), create the others' accounts at /admin/users"
if [ -n "$admin_link" ]; then
  echo "  Sign in     set the password of $ADMIN_EMAIL (once, within 72 h): $admin_link"
else
  echo "  Sign in     as $ADMIN_EMAIL at http://127.0.0.1:$IDENTITY_PORT/account/login (a new password link:"
  echo "              dotnet $IDENTITY_DLL users reset-password $ADMIN_EMAIL)"
fi
echo "  RabbitMQ    management http://127.0.0.1:${TRACEABILITY_RABBIT_MGMT_PORT} (traceability / traceability)"
echo "Press Ctrl-C to stop everything."
wait
