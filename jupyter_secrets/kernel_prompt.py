"""The IPython kernel as a host that answers passphrase prompts (kernel layer).

ipykernel forwards ``getpass`` to the frontend's password box, so the encrypted
file backend may prompt there. Registered when the package is imported: a
kernel that never loaded the extension (``from jupyter_secrets... import``
in a bare kernel) prompts too. It only looks whether ipykernel is running;
it never imports it, so importing the package stays cheap.
"""

from __future__ import annotations

import sys

from .prompting import register_host


def in_running_kernel() -> bool:
    """An ipykernel kernel app runs in this process."""
    kernelapp = sys.modules.get("ipykernel.kernelapp")
    return kernelapp is not None and bool(kernelapp.IPKernelApp.initialized())


register_host(in_running_kernel)
