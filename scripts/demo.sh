#!/usr/bin/env bash
# Quick start: install everything, store a demo secret in the encrypted local
# store (the default backend on a machine with no desktop keyring), and start
# JupyterLab with the extension on a demo notebook.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
VENV="${VENV:-$PWD/.venv}"
export PATH="$VENV/bin:$PATH"

# The encrypted store's passphrase. Kernels read it from the environment; without
# it they prompt in the notebook. Choose your own for anything but this demo.
if [ -z "${JUPYTER_SECRETS_PASSPHRASE:-}" ]; then
    export JUPYTER_SECRETS_PASSPHRASE="demo-passphrase-change-me"
    echo "demo: using the demo passphrase; export JUPYTER_SECRETS_PASSPHRASE to choose yours" >&2
fi

if ! jupyter-secrets get dev/demo/api_token >/dev/null 2>&1; then
    python -c "import secrets; print('demo-' + secrets.token_urlsafe(24))" \
        | jupyter-secrets set dev/demo/api_token
fi
jupyter-secrets doctor || true

mkdir -p demo
if [ ! -f demo/Welcome.ipynb ]; then
    cp jupyter_secrets/demo/Welcome.ipynb demo/Welcome.ipynb
fi
args=(--ip=127.0.0.1 --ServerApp.root_dir="$PWD/demo")
[ "$(id -u)" = "0" ] && args+=(--allow-root)
exec jupyter lab "${args[@]}" "$@" demo/Welcome.ipynb
