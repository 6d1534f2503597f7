"""Where JupyterLab finds the prebuilt frontend extension shipped in this package."""


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-secrets"}]
