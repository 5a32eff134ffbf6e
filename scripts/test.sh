#!/usr/bin/env bash
# `make test`: every layer, each pytest run in its own process where the runtimes must not mix
# (nameko worker tests use real worker processes; see PLATFORM-NOTES.md). pytest's exit code 5
# ("no tests collected") counts as a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
PYTEST="${VENV:-.venv}/bin/pytest"
status=0

run() {
  local name=$1; shift
  printf '\n==> %s\n' "$name"
  "$PYTEST" "$@"
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    [ "$rc" -eq 5 ] && echo "no tests collected in: $name"
    status=1
  fi
}

# Every service's tests, found by folder (ADR 0012): a service cannot be added without them
# running. Its tests/worker folder starts real worker processes: the worker stage runs those.
shopt -s nullglob
workers=(services/*/tests/worker)
unit=(libs/crmkit/tests services/*/tests gateway/tests tests/deploy launcher/tests bench/tests "${workers[@]/#/--ignore=}")
if [ "${1:-}" = "--list" ]; then
  # What the first two stages would run (tests/deploy checks that every service is in them).
  printf 'unit %s\n' "${unit[*]}"
  printf 'worker %s\n' "${workers[*]}"
  exit 0
fi

run "unit and service tests" -q "${unit[@]}"
run "worker tests (real nameko processes)" -q "${workers[@]}"
run "integration journeys (cluster and embedded)" -q tests/integration
run "browser journeys (web apps in Chromium against make run)" -q tests/browser
run "reliability: R1 broker outage, R2 kill -9 (both modes), R3 fuzzing, R4 cross-tenant matrix" -q tests/reliability
exit $status
