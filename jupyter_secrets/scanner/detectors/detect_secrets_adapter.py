"""The one place detect-secrets is used: its regex plugins, behind our prefilter.

detect-secrets keeps process-global settings (enabled plugins, filters,
verification policy) that ``analyze_line`` reads and that other code in the
same process (a server, a test) may change. We never touch or read them at
scan time: plugins are built once inside ``transient_settings`` (which
restores the previous global settings on exit) and only their pure
``analyze_string`` is called, never ``analyze_line`` or ``verify`` (which
could reach the network). Each plugin only sees short windows around its
keywords, never whole outputs and never base64 payloads.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import importlib
import re
import sys
import threading
import types
from collections.abc import Iterator
from typing import Any, ClassVar

from ..document import Document
from . import Candidate, Detector
from .pairs import paired as _paired

_LOCK = threading.Lock()
_PLUGINS: dict[str, Any] = {}
_AWS_SECRET_KEY_RE = re.compile(
    r"(?i:aws_?secret(?:_?access)?_?key)[\\\"'`*\]]{0,3}[ \t]*[=:|][ \t]*[\\\"'`*]{0,3}"
    r"(?P<secret>(?=[A-Za-z0-9/+]*[0-9])(?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*[A-Z])"
    r"[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])"
)
_AWS_KEY_ID_RE = re.compile(
    r"(?<![A-Za-z0-9+/])(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])"
)
_KEY_ID_KEYWORDS = ("akia", "asia", "abia", "acca", "a3t")
# A secret access key: 40 base64 characters with every character class, alone.
_AWS_PAIR_RE = re.compile(
    r"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]*[0-9])(?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*[A-Z])"
    r"[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"
)
# Discord: base64url(user id) . base64url(timestamp) . hmac; the id is 17-20 digits.
_DISCORD_TAIL_RE = re.compile(r"\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27,38}")
_DISCORD_ID_RE = re.compile(r"(?<![A-Za-z0-9_\-.])[MNO][A-Za-z0-9_\-]{23,25}\Z")
_TELEGRAM_RE = re.compile(r"(?<![A-Za-z0-9_\-:])\d{8,10}:AA[A-Za-z0-9_\-]{33}(?![A-Za-z0-9_\-])")
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def _plugin(module: str, cls: str) -> Any:
    key = f"{module}:{cls}"
    with _LOCK:
        if key not in _PLUGINS:
            with _requests_deferred():
                from detect_secrets.settings import transient_settings  # noqa: PLC0415 (detect-secrets loads its plugins (70 ms) on first use)

                with transient_settings({"plugins_used": [{"name": cls}], "filters_used": []}):
                    plugin_cls = getattr(
                        importlib.import_module(f"detect_secrets.plugins.{module}"), cls
                    )
                    _PLUGINS[key] = plugin_cls()
        return _PLUGINS[key]


# detect-secrets imports requests (0.1 s, a third of a command-line start) for verify(),
# which the adapter never calls. A process that owns its imports, the command line,
# lets its modules hold a stand-in that imports the real one on first use instead.
_defer_requests = False


def defer_requests() -> None:
    """Import detect-secrets without requests from now on (see _DeferredRequests); for
    the command line only: a server's other threads may import requests meanwhile."""
    global _defer_requests
    _defer_requests = True


class _DeferredRequests(types.ModuleType):
    """``requests`` as detect-secrets' modules see it when imported deferred: any
    attribute read imports the real module and reads it there. While they are being
    imported, ``requests.Response`` (read by return annotations) is a stand-in class."""

    def __init__(self) -> None:
        super().__init__("requests")
        self._importing = True

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if name == "Response" and self.__dict__.get("_importing"):
            return _AnnotationOnly
        if sys.modules.get("requests") is self:
            del sys.modules["requests"]  # the real one from here on
        return getattr(importlib.import_module("requests"), name)


class _AnnotationOnly:
    """Stands for requests.Response in annotations made while it was deferred."""


@contextlib.contextmanager
def _requests_deferred() -> Iterator[None]:
    if not _defer_requests or "requests" in sys.modules:
        yield
        return
    stand_in = _DeferredRequests()
    sys.modules["requests"] = stand_in
    try:
        yield
    finally:
        stand_in._importing = False
        if sys.modules.get("requests") is stand_in:
            del sys.modules["requests"]


class DetectSecretsPlugin(Detector):
    """Runs one detect-secrets plugin on the keyword windows of a document."""

    plugin_module: ClassVar[str]
    plugin_class: ClassVar[str]
    priority = 50
    #: The plugin's own pattern includes a prefix like "AccountKey=": no boundary check.
    check_boundaries: ClassVar[bool] = True
    #: Extend a match over these characters (the plugin's lazy pattern stops short).
    extend_over: ClassVar[frozenset[str]] = frozenset()
    #: Characters that may not follow a match (it would be part of a longer token).
    after_chars: ClassVar[frozenset[str] | None] = None

    #: The keywords whose windows the plugin reads (default: ``keywords``).
    plugin_keywords: ClassVar[tuple[str, ...] | None] = None

    def prepare(self) -> None:
        _plugin(self.plugin_module, self.plugin_class)

    def find(self, doc: Document) -> Iterator[Candidate]:
        keywords = self.keywords if self.plugin_keywords is None else self.plugin_keywords
        windows = doc.windows(keywords)
        if not windows:
            return
        plugin = _plugin(self.plugin_module, self.plugin_class)
        text = doc.text
        for start, end in windows:
            window = text[start:end]
            for value in set(plugin.analyze_string(window)):
                if not isinstance(value, str) or not value:
                    continue
                pos = window.find(value)
                while pos != -1:
                    s, e = start + pos, start + pos + len(value)
                    while self.extend_over and e < end and text[e] in self.extend_over:
                        e += 1
                    if not self.check_boundaries or self._isolated(text, s, e, self.after_chars):
                        yield self.candidate(s, e)
                    pos = window.find(value, e - start)

    @staticmethod
    def _isolated(
        text: str, start: int, end: int, after_chars: frozenset[str] | None = None
    ) -> bool:
        # Inside a base64 run a lucky match is noise, not a token.
        before = text[start - 1] if start > 0 else " "
        after = text[end] if end < len(text) else " "
        return before not in _TOKEN_CHARS and after not in (after_chars or _TOKEN_CHARS)


class AWSKeys(DetectSecretsPlugin):
    """Access key ids (AKIA, ASIA, ABIA, ACCA, A3T*), secret access keys after their
    name, and a bare 40-character secret next to a key id: the id names its pair."""

    name = "aws"
    finding_type = "AWS Access Key"
    plugin_module, plugin_class = "aws", "AWSKeyDetector"
    priority = 100
    confidence = "likely"
    # Every key id prefix (A3T* ids are old, ABIA STS, ACCA context). Ids are upper
    # case: a hit of another case (base64, "Arabia") is passed over at once.
    keywords = ("akia", "asia", "abia", "acca", "a3t", "aws")
    # The plugin and the named-secret rule read the windows of these, as before.
    plugin_keywords = ("akia", "asia", "aws")
    # What each way of finding one needs, loosened (case, quotes, lazy repeats): a key
    # id (a bare secret key is only read next to one); the plugin's secret after "aws"
    # and a credential word, quoted; a secret key after its name. A bare 40-character
    # run is in most hashes and base64, so it cannot be the gate. A key id stands alone
    # (every rule checks the characters around it): base64 of silence, "ACCAAAAA...",
    # has the id's shape inside a longer run.
    shapes = (
        r"(?:^|[^A-Za-z0-9+/])(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?:[^A-Z0-9]|$)",
        r"(?i)aws.{0,20}(?:key|pwd|pw|password|pass|token).{0,20}['\"][0-9a-z/+]{40}['\"]",
        r"(?i)aws_?secret(?:_?access)?_?key[\\\"'`*\]]{0,3}[ \t]*[=:|][ \t]*[\\\"'`*]{0,3}"
        r"[a-z0-9/+]{40}",
    )
    # A key id is 20 upper-case letters and digits: text glued after it in another case
    # (``AKIA...os.getcwd()``) ends it; a lucky match in base64 would run on in upper case
    # 9e-13 of the time per position, so this costs no precision.
    after_chars = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")

    def find(self, doc: Document) -> Iterator[Candidate]:
        yield from super().find(doc)
        # The plugin wants the secret key in quotes; logs, .env lines and
        # markdown (`**aws_secret_access_key**: `...``) show it bare.
        text = doc.text
        for start, end in doc.windows(_PLUGIN_KEYWORDS):
            for match in _AWS_SECRET_KEY_RE.finditer(text, start, end):
                yield self.candidate(*match.span("secret"))
        for keyword in _KEY_ID_KEYWORDS:
            prefix = keyword.upper()
            for pos in doc.hits(keyword):
                if not text.startswith(prefix, pos):
                    continue
                key_id = _AWS_KEY_ID_RE.match(text, pos)
                if key_id is None:
                    continue
                if keyword not in _PLUGIN_KEYWORDS:  # the plugin knows AKIA and ASIA
                    yield self.candidate(*key_id.span())
                for s, e in _paired(doc, key_id.span(), _AWS_PAIR_RE):
                    yield self.candidate(s, e)


_PLUGIN_KEYWORDS = AWSKeys.plugin_keywords or ()


class AzureStorageKey(DetectSecretsPlugin):
    name = "azure_storage_key"
    finding_type = "Azure Storage Account access key"
    plugin_module, plugin_class = "azure_storage_key", "AzureStorageKeyDetector"
    keywords = ("accountkey=",)
    check_boundaries = False


class JsonWebToken(DetectSecretsPlugin):
    name = "jwt"
    finding_type = "JSON Web Token"
    plugin_module, plugin_class = "jwt", "JwtTokenDetector"
    keywords = ("eyj",)
    extend_over = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


class SlackToken(DetectSecretsPlugin):
    name = "slack"
    finding_type = "Slack Token"
    plugin_module, plugin_class = "slack", "SlackDetector"
    priority = 90
    keywords = ("xox",)


class StripeKey(DetectSecretsPlugin):
    name = "stripe"
    finding_type = "Stripe Access Key"
    plugin_module, plugin_class = "stripe", "StripeDetector"
    priority = 100
    # Newer keys are longer than the plugin's 24 characters.
    extend_over = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    keywords = ("k_live_",)


class MailchimpKey(DetectSecretsPlugin):
    name = "mailchimp"
    finding_type = "Mailchimp Access Key"
    plugin_module, plugin_class = "mailchimp", "MailchimpDetector"
    keywords = ("-us",)
    shapes = (r"[0-9a-z]{32}-us[0-9]",)  # "-us" alone is in every en-us


class SquareOAuth(DetectSecretsPlugin):
    name = "square"
    finding_type = "Square OAuth Secret"
    plugin_module, plugin_class = "square_oauth", "SquareOAuthDetector"
    keywords = ("sq0csp-",)


class DiscordBotToken(DetectSecretsPlugin):
    """Near "discord", the plugin's shape; anywhere, a token whose first part is the
    base64 of a numeric user id (``<base64 id>.<timestamp>.<hmac>``): that structure
    is specific enough to need no keyword."""

    name = "discord"
    finding_type = "Discord Bot Token"
    plugin_module, plugin_class = "discord", "DiscordBotTokenDetector"
    confidence = "likely"
    # No keyword gates it: the whole text is searched for ".<6>.<27+>" in one C pass
    # (about 1 ms per MB), then the id before it is decoded. (The plugin's own shape,
    # [MNO] + 23-25 . 6 . 27, is the same without the id check.)
    keywords = ()
    shapes = (r"\.[A-Za-z0-9_\-]{6}\.[A-Za-z0-9_\-]{27}",)

    def find(self, doc: Document) -> Iterator[Candidate]:
        text = doc.text
        for match in _DISCORD_TAIL_RE.finditer(text):
            head = _DISCORD_ID_RE.search(text, max(0, match.start() - 27), match.start())
            if head is None or not _numeric_id(head.group()):
                continue
            end = match.end()
            if end < len(text) and (text[end].isalnum() or text[end] in "_-"):
                continue
            yield self.candidate(head.start(), end)


class TelegramBotToken(DetectSecretsPlugin):
    """Near "telegram", the plugin's shape; anywhere, ``<bot id>:AA<33>`` (a bot
    token's secret part always starts with "AA")."""

    name = "telegram"
    finding_type = "Telegram Bot Token"
    plugin_module, plugin_class = "telegram_token", "TelegramBotTokenDetector"
    confidence = "likely"
    keywords = ("telegram", ":aa")
    plugin_keywords = ("telegram",)

    def find(self, doc: Document) -> Iterator[Candidate]:
        yield from super().find(doc)
        for start, end in doc.windows((":aa",)):
            for match in _TELEGRAM_RE.finditer(doc.text, start, end):
                yield self.candidate(*match.span())


class IbmCloudIam(DetectSecretsPlugin):
    name = "ibm_cloud_iam"
    finding_type = "IBM Cloud IAM Key"
    plugin_module, plugin_class = "ibm_cloud_iam", "IbmCloudIamDetector"
    keywords = ("ibm",)  # in every "iBm" of base64: the shape is the gate
    # The plugin's assignment (a credential word, quotes, "=", ":", "=>", spaces) and the
    # 44-character key, without its optional "ibm_cloud_iam" prefix.
    shapes = (
        r"(?i)(?:key|pwd|password|pass|token)[\"']?\]? *(?:=|:|:=|=>| +|::) *[\"']?"
        r"[a-z0-9_\-]{44}",
    )


class CloudantCredentials(DetectSecretsPlugin):
    name = "cloudant"
    finding_type = "Cloudant Credentials"
    plugin_module, plugin_class = "cloudant", "CloudantDetector"
    keywords = ("cloudant",)


def _numeric_id(part: str) -> bool:
    """Whether a Discord token's first part decodes to a user id (17-20 digits)."""
    try:
        decoded = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        return False
    return 17 <= len(decoded) <= 20 and decoded.isdigit()
