#!/usr/bin/env bash
# The whole test suite, as CI runs it: install, lint, types, every test
# (kernels, jupyter servers, the Secret Service and Chromium are all real),
# then quick benchmark smoke runs.
#
#   scripts/test.sh [PYTEST ARGS...]
#   TEST_CPU_HOG=2 scripts/test.sh    # the same beside N busy CPU workers, as on a shared CI
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
VENV="${VENV:-$PWD/.venv}"
export PATH="$VENV/bin:$PATH"
export JUPYTER_SECRETS_STRICT_TESTS=1

if [ "${TEST_CPU_HOG:-0}" -gt 0 ]; then
    # Busy workers beside the suite: stress-ng where Debian's package is there, else Python.
    if command -v stress-ng >/dev/null 2>&1; then
        stress-ng --cpu "$TEST_CPU_HOG" --quiet &
    else
        python -c 'import multiprocessing as m, sys
n = int(sys.argv[1]); [m.Process(target=exec, args=("while True: pass",)).start() for _ in range(n)]' "$TEST_CPU_HOG" &
    fi
    hog=$!
    trap 'pkill -P "$hog" 2>/dev/null; kill "$hog" 2>/dev/null || true' EXIT
    echo "test.sh: running beside $TEST_CPU_HOG busy CPU worker(s)" >&2
fi

echo "== lint and types" >&2
ruff check jupyter_secrets tests benchmarks
ruff format --check jupyter_secrets tests benchmarks
mypy
jlpm lint
echo "== frontend unit tests (Jest)" >&2
jlpm test --ci

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
