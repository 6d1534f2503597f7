#!/usr/bin/env bash
# The whole test suite, as CI runs it: install, lint, types, every test
# (kernels, jupyter servers, the Secret Service and Chromium are all real),
# then quick benchmark smoke runs.
#
#   scripts/test.sh [PYTEST ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
VENV="${VENV:-$PWD/.venv}"
export PATH="$VENV/bin:$PATH"
export JUPYTER_SECRETS_STRICT_TESTS=1

echo "== lint and types" >&2
ruff check jupyter_secrets tests benchmarks
ruff format --check jupyter_secrets tests benchmarks
mypy
jlpm lint

echo "== tests" >&2
status=0
scripts/with-secret-service python -m pytest -p no:cacheprovider --durations=10 "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "test.sh: pytest collected no tests; that is a failure" >&2
    status=1
fi

# The smoke runs report even when a test failed: their figures help read the failure.
echo "== benchmark smoke runs (figures for the README come from full runs)" >&2
bench_status=0
for bench in benchmarks/bench_*.py; do
    python "$bench" --quick || { bench_status=1; echo "test.sh: $bench failed" >&2; }
done
[ "$status" -eq 0 ] || exit "$status"
exit "$bench_status"
