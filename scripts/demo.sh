#!/usr/bin/env bash
# Quick start: install everything, store a demo secret in a demo-only encrypted
# store, and start JupyterLab with the extension on the demo notebook.
#
#   scripts/demo.sh [JUPYTER LAB ARGS...]    # DEMO_DIR=... to put the demo elsewhere
#
# The demo never touches your own store: it has its own file, its own passphrase
# variable and its own config, all under $DEMO_DIR, and `source $DEMO_DIR/demo.env`
# brings them (and jupyter-secrets on PATH) into another terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
VENV="${VENV:-$PWD/.venv}"
DEMO_DIR="${DEMO_DIR:-$PWD/demo}"
mkdir -p "$DEMO_DIR/.secrets"
chmod 700 "$DEMO_DIR/.secrets"

# The demo's store: an encrypted file (the backend that works on any machine),
# unlocked by a demo-only passphrase kept in its own variable. Kernels inherit
# both from the server; a kernel without the passphrase asks for it in the notebook.
cat >"$DEMO_DIR/jupyter_secrets_demo.json" <<EOF
{"SecretsConfig": {
  "default_backend": "file",
  "backend_options": {"file": {
    "path": "$DEMO_DIR/.secrets/demo-store.enc",
    "passphrase_env": "JUPYTER_SECRETS_DEMO_PASSPHRASE"}}}}
EOF
cat >"$DEMO_DIR/demo.env" <<EOF
# source this file to use the jupyter-secrets demo's store from a shell
export PATH="$VENV/bin:\$PATH"
export JUPYTER_SECRETS_CONFIG="$DEMO_DIR/jupyter_secrets_demo.json"
# public on purpose (the demo store holds nothing real), so the scanner is told: # pragma: allowlist nextline secret
export JUPYTER_SECRETS_DEMO_PASSPHRASE="demo-only-passphrase"
EOF
# shellcheck source=/dev/null
source "$DEMO_DIR/demo.env"

if ! jupyter-secrets get dev/demo/api_token >/dev/null 2>&1; then
    python -c "import secrets; print('demo-' + secrets.token_urlsafe(24))" \
        | jupyter-secrets set dev/demo/api_token
fi
if [ ! -f "$DEMO_DIR/Welcome.ipynb" ]; then
    # Stamped with this Python's version, as the kernel will report it: otherwise
    # JupyterLab updates the metadata on open and shows the notebook as modified.
    python - jupyter_secrets/demo/Welcome.ipynb "$DEMO_DIR/Welcome.ipynb" <<'PY'
import json, platform, sys
notebook = json.load(open(sys.argv[1], encoding="utf-8"))
notebook["metadata"]["language_info"]["version"] = platform.python_version()
with open(sys.argv[2], "w", encoding="utf-8") as out:
    out.write(json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
PY
fi

rel() { python -c 'import os, sys; print(os.path.relpath(sys.argv[1]))' "$1"; }
cat >&2 <<EOF

jupyter-secrets demo
  store       $(rel "$DEMO_DIR/.secrets/demo-store.enc"), an encrypted file for this demo only
  passphrase  "demo-only-passphrase", in \$JUPYTER_SECRETS_DEMO_PASSPHRASE (set by $(rel "$DEMO_DIR/demo.env"))
  secret      dev/demo/api_token, a random value: the notebook fetches it and never shows it
  notebook    the URL below opens $(rel "$DEMO_DIR/Welcome.ipynb")

Try next, in another terminal:
  source $(rel "$DEMO_DIR/demo.env")         # the demo's store, and jupyter-secrets on PATH
  jupyter-secrets list dev                   # names and metadata, never values
  jupyter-secrets set dev/warehouse/password # store one of your own (masked prompt)
  jupyter-secrets scan $(rel "$DEMO_DIR")                     # find leaks in notebooks (exit 1 on findings)

Your own store, later: in a terminal without demo.env, run
  $(rel "$VENV")/bin/jupyter-secrets set dev/db/password
It uses the OS keyring, or an encrypted file with a passphrase you choose
(\$JUPYTER_SECRETS_PASSPHRASE, else a prompt). \`jupyter-secrets doctor\` says which.

EOF
args=(--ip=127.0.0.1 --ServerApp.root_dir="$DEMO_DIR"
    --LabApp.default_url=/lab/tree/Welcome.ipynb)
[ "$(id -u)" = "0" ] && args+=(--allow-root)
exec jupyter lab "${args[@]}" "$@"
