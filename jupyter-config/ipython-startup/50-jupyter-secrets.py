# Installed by jupyter-secrets into {sys.prefix}/etc/ipython/startup: loads the
# %secret magics and output redaction in every kernel of this environment.
def _load_jupyter_secrets() -> None:
    import os
    import sys

    if os.environ.get("JUPYTER_SECRETS_AUTOLOAD", "1") == "0":
        return

    try:
        get_ipython().extension_manager.load_extension("jupyter_secrets")  # type: ignore[name-defined]  # noqa: F821
    except Exception as exc:  # never break a kernel's start-up
        print(f"jupyter-secrets: extension not loaded ({type(exc).__name__}: {exc})", file=sys.stderr)


_load_jupyter_secrets()
del _load_jupyter_secrets
