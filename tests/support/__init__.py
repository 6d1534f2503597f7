"""Test support shared by every test folder (import as ``tests.support.<module>``).

- ``jupyter_env``: ``isolated_env``, the environment of a Jupyter process (kernel,
  server, hub, demo) whose files all land under a private HOME.
- ``process``: start a logged subprocess, wait on a condition, stop it (once, here).
- ``server``: ``JupyterServer``/``start_jupyter``, a real ``jupyter server`` or
  ``jupyter lab`` on 127.0.0.1 with a token, ready once ``/api/status`` answers.
- ``strict``: ``STRICT``, ``skip_or_fail``, ``require``: a missing tool skips, or fails
  under ``JUPYTER_SECRETS_STRICT_TESTS=1``.
- ``fakes``: fake secret values generated at test time (never real, never stored).
- ``notebooks``: nbformat's notebook builders and readers, typed (nbformat leaves them
  unannotated): ``from tests.support import notebooks as nbf``.
"""
