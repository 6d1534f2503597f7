#!/usr/bin/env bash
# Build the compiled notebook walk (native/, Rust + pyo3) into
# jupyter_secrets/scanner/_native.so, offline, from Debian's packaged crates.
#
#   scripts/build-native.sh             # with ./.venv's Python
#   VENV=/path scripts/build-native.sh
#
# Without it the scanner walks notebooks in Python (the same pieces, slower), so
# a machine that cannot build it still works; the strict test run
# (JUPYTER_SECRETS_STRICT_TESTS=1) insists on it. Skipped when up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-$PWD/.venv}"
out=jupyter_secrets/scanner/_native.so
cargo="$(command -v cargo || true)"
[ -n "$cargo" ] || [ ! -x "$HOME/.cargo/bin/cargo" ] || cargo="$HOME/.cargo/bin/cargo"
if [ -z "$cargo" ]; then
    echo "build-native: no cargo here (apt-get install cargo librust-pyo3-dev); the Python walk is used" >&2
    exit 0
fi
if [ -f "$out" ] && [ -z "$(find native/Cargo.toml native/src native/.cargo -newer "$out" -print -quit)" ]; then
    exit 0
fi
echo "build-native: building native/ with $("$cargo" --version)" >&2
# pyo3 builds for the interpreter it is given: the one the package runs on.
( cd native && PYO3_PYTHON="$VENV/bin/python" "$cargo" build --release --offline --quiet )
cp native/target/release/lib_native.so "$out.tmp"
mv "$out.tmp" "$out"
"$VENV/bin/python" -c 'from jupyter_secrets.scanner import content; assert content.native_walk(), "not loaded"'
echo "build-native: $out" >&2
