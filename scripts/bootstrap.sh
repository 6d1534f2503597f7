#!/usr/bin/env bash
# Install everything jupyter-secrets needs on a fresh Debian machine:
# system packages (when root), a virtualenv with the package (editable,
# which builds the JupyterLab extension with jlpm) and its test tools.
#
#   scripts/bootstrap.sh            # into ./.venv
#   VENV=/path scripts/bootstrap.sh # elsewhere
#
# Safe to run again: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-$PWD/.venv}"
PYTHON="${PYTHON:-python3}"

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v gnome-keyring-daemon >/dev/null 2>&1 || need_apt+=(gnome-keyring)
command -v dbus-run-session >/dev/null 2>&1 || need_apt+=(dbus dbus-daemon dbus-x11)
command -v secret-tool >/dev/null 2>&1 || need_apt+=(libsecret-tools)
# The command backend's contract runs against the real password-store (pass + gpg);
# rotation's end-to-end test changes a real PostgreSQL user's password.
command -v pass >/dev/null 2>&1 || need_apt+=(pass gnupg)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need_apt+=(postgresql)
# The compiled notebook walk (scripts/build-native.sh): Debian's crates stand in for crates.io.
command -v cargo >/dev/null 2>&1 || [ -x "$HOME/.cargo/bin/cargo" ] || need_apt+=(cargo)
compgen -G "/usr/share/cargo/registry/pyo3-0.*" >/dev/null || need_apt+=(librust-pyo3-dev)
if [ "${#need_apt[@]}" -gt 0 ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "bootstrap: installing system packages: ${need_apt[*]}" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
    else
        echo "bootstrap: missing system packages (${need_apt[*]}); install them with apt-get as root" >&2
    fi
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "bootstrap: creating $VENV" >&2
    "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.jupyter-secrets-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
    echo "bootstrap: installing Python packages and building the JupyterLab extension" >&2
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -e ".[lab,test,dev]"
    touch "$stamp"
fi

VENV="$VENV" scripts/build-native.sh

# A second environment with jupyter-collaboration, for the browser test of a refused
# save under real-time collaboration. It is apart because collaboration changes how
# every save travels (the server saves its shared copy; the browser sends no PUT), and
# the other tests check the plain path. It borrows jupyter-secrets and its dependencies
# from the main environment through a .pth file; JupyterLab is pinned to the same version.
RTC_VENV="${RTC_VENV:-$VENV-rtc}"
rtc_stamp="$RTC_VENV/.jupyter-secrets-installed"
if [ ! -f "$rtc_stamp" ] || [ pyproject.toml -nt "$rtc_stamp" ]; then
    echo "bootstrap: creating $RTC_VENV (jupyter-collaboration)" >&2
    [ -x "$RTC_VENV/bin/python" ] || "$PYTHON" -m venv "$RTC_VENV"
    lab_version="$("$VENV/bin/python" -c 'import jupyterlab; print(jupyterlab.__version__)')"
    "$RTC_VENV/bin/python" -m pip install -q "jupyter-collaboration>=3,<6" "jupyterlab==$lab_version" ipykernel
    rtc_site="$("$RTC_VENV/bin/python" -c 'import site; print(site.getsitepackages()[0])')"
    main_site="$("$VENV/bin/python" -c 'import site; print(site.getsitepackages()[0])')"
    printf '%s\n%s\n' "$main_site" "$PWD" > "$rtc_site/zz_jupyter_secrets_main.pth"
    touch "$rtc_stamp"
fi
