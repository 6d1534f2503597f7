"""The kernel-to-server link's protocol, shared by both ends (imports nothing).

A server hands each kernel it starts a private file naming a token; the kernel
reads and deletes it, then posts keyed fingerprints of the values it fetches
(never the values) to :data:`KNOWN_PATH` with the token in :data:`LINK_HEADER`.
"""

from __future__ import annotations

#: The environment variable naming the kernel's 0600 link file.
LINK_FILE_ENV = "JUPYTER_SECRETS_LINK_FILE"
#: The old way (the whole link in the environment): dropped if a server still sets it.
LEGACY_ENV = "JUPYTER_SECRETS_LINK"
#: The request header that carries a kernel's link token.
LINK_HEADER = "X-Jupyter-Secrets-Link"
#: Where a kernel posts its fingerprints, below the server's base URL.
KNOWN_PATH = "/jupyter-secrets/known"
#: Fingerprints in one post: the kernel sends batches of this size, the server refuses more.
MAX_FINGERPRINTS_PER_CALL = 64
#: A link file is a few hundred bytes; the kernel reads no more than this.
MAX_LINK_FILE_BYTES = 4096
#: Link files are named by this prefix and a random part, in a private directory.
LINK_FILE_PREFIX = "jupyter-secrets-link-"
