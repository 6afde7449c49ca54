#!/usr/bin/env bash
# Runs the whole test suite: starts the project-local PostgreSQL and RabbitMQ (installing them
# when missing, and Chromium with axe-core for the browser tests), builds the solution, runs unit,
# integration, end-to-end, browser and fault tests, and
# ends with one summary line. Extra arguments go to `dotnet test`, e.g.
#   infra/local/test.sh --filter "Category!=Fault"
# Set TRACEABILITY_KEEP_INFRA=1 to leave PostgreSQL and RabbitMQ running afterwards.
set -euo pipefail

# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
RESULTS="$ROOT/.local/test-results"
stop_infra() {
  if [ "$started_infra" -eq 1 ] && [ "${TRACEABILITY_KEEP_INFRA:-0}" != "1" ]; then
    bash infra/local/infra.sh stop || true
    started_infra=0
  fi
}
trap stop_infra EXIT

rm -rf "$RESULTS"
mkdir -p "$RESULTS"
# Chromium, Node.js and axe-core for the browser tests, installed when missing.
bash infra/local/infra.sh browser
echo "[test] building ($CONFIGURATION)"
dotnet build Traceability.sln -c "$CONFIGURATION" --nologo -v quiet -clp:ErrorsOnly

echo "[test] running unit, integration, end-to-end, browser and fault tests"
set +e
dotnet test Traceability.sln -c "$CONFIGURATION" --no-build --nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$RESULTS" "$@"
status=$?
set -e

if [ -f "$RESULTS/figures.txt" ]; then
  echo
  echo "Figures measured by the tests:"
  sed 's/^/  /' "$RESULTS/figures.txt"
fi

# One closing line over every test assembly, read from the TRX files NUnit's adapter wrote.
total=0 passed=0 failed=0 executed=0
for trx in "$RESULTS"/*.trx; do
  [ -f "$trx" ] || continue
  counters="$(grep -o '<Counters [^>]*>' "$trx" | head -1)"
  value() { printf '%s' "$counters" | sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p"; }
  total=$((total + $(value total)))
  executed=$((executed + $(value executed)))
  passed=$((passed + $(value passed)))
  failed=$((failed + $(value failed) + $(value error) + $(value timeout) + $(value aborted)))
done
skipped=$((total - executed))
if [ "$total" -eq 0 ]; then
  echo "No test results were written." >&2
  [ "$status" -eq 0 ] && status=1
fi
[ "$failed" -gt 0 ] && [ "$status" -eq 0 ] && status=1
stop_infra
# The failures again, last, with the first lines of their messages: CI shows the end of the output.
if [ "$failed" -gt 0 ]; then
  echo
  echo "Failed tests:"
  for trx in "$RESULTS"/*.trx; do
    [ -f "$trx" ] || continue
    python3 - "$trx" <<'PY' || grep -o 'testName="[^"]*"[^>]*outcome="Failed"' "$trx" || true
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for result in ET.parse(sys.argv[1]).getroot().iterfind(".//t:UnitTestResult", ns):
    if result.get("outcome") in ("Passed", "NotExecuted", "Inconclusive"):
        continue
    print(f"  {result.get('testName')} ({result.get('duration')})")
    message = result.find("t:Output/t:ErrorInfo/t:Message", ns)
    trace = result.find("t:Output/t:ErrorInfo/t:StackTrace", ns)
    for text in (message, trace):
        if text is not None and text.text:
            for line in text.text.strip().splitlines()[:12]:
                print("    " + line)
PY
  done
fi
echo
echo "Tests: $passed passed, $failed failed, $skipped skipped"
exit "$status"
