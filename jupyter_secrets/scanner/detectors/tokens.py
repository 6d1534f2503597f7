"""Vendor token formats of the analytics stack (fixed prefixes, fixed shapes)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..document import Document
from . import AFTER, BEFORE, Candidate, Detector, RegexDetector
from .checksums import verify_token_checksum
from .pairs import paired

VENDOR_PRIORITY = 100


class OpenAIKey(RegexDetector):
    name = "openai"
    finding_type = "OpenAI API Key"
    priority = VENDOR_PRIORITY
    keywords = ("sk-", "t3blbkfj")
    pattern = re.compile(
        BEFORE
        + r"(?P<secret>sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_\-]{40,}"
        + r"|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20})"
        + AFTER
    )


class AnthropicKey(RegexDetector):
    name = "anthropic"
    finding_type = "Anthropic API Key"
    priority = VENDOR_PRIORITY + 10  # sk-ant- also looks like an OpenAI-style key
    keywords = ("sk-ant-",)
    pattern = re.compile(BEFORE + r"sk-ant-(?:api|admin|oat|sid)\d\d-[A-Za-z0-9_\-]{40,}" + AFTER)


class HuggingFaceToken(RegexDetector):
    name = "huggingface"
    finding_type = "Hugging Face Token"
    priority = VENDOR_PRIORITY
    keywords = ("hf_",)
    pattern = re.compile(BEFORE + r"hf_[A-Za-z0-9]{30,40}" + AFTER)

    def accept(self, value: str, match: re.Match[str], doc: Document) -> bool:
        body = value[3:]
        # Identifiers like hf_downloadfromhubwithcachedresult are all one case.
        return any(c.isupper() for c in body) and any(c.islower() for c in body)


class DatabricksToken(RegexDetector):
    name = "databricks"
    finding_type = "Databricks Token"
    priority = VENDOR_PRIORITY
    keywords = ("dapi",)
    pattern = re.compile(BEFORE + r"dapi[0-9a-f]{32}(?:-\d{1,2})?" + AFTER)


class GitHubToken(RegexDetector):
    name = "github"
    finding_type = "GitHub Token"
    priority = VENDOR_PRIORITY
    keywords = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")
    # Classic tokens need no word boundary: their checksum proves them even when text is
    # glued to either side (lines of a source list joined without a newline).
    pattern = re.compile(
        r"gh[pousr]_[A-Za-z0-9]{36}|"
        + BEFORE
        + r"github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}"
        + AFTER
    )

    def accept(self, value: str, match: re.Match[str], doc: Document) -> bool:
        # Classic tokens carry a CRC32 checksum; fine-grained ones have no public one.
        return value.startswith("github_pat_") or verify_token_checksum(value)


class GitLabToken(RegexDetector):
    name = "gitlab"
    finding_type = "GitLab Token"
    priority = VENDOR_PRIORITY
    keywords = ("glpat-", "gldt-", "glrt-", "glptt-", "glft-", "glsoat-", "gloas-", "glcbt-")
    pattern = re.compile(
        BEFORE
        + r"(?:glpat|gldt|glrt|glptt|glft|glsoat|gloas|glcbt)-[A-Za-z0-9_\-]{20,}"
        + r"(?:\.[0-9a-z]{2}\.[0-9a-z]{7,9})?"
        + AFTER
    )


class GoogleApiKey(RegexDetector):
    name = "google_api_key"
    finding_type = "Google API Key"
    priority = VENDOR_PRIORITY
    keywords = ("aiza",)
    pattern = re.compile(BEFORE + r"AIza[0-9A-Za-z_\-]{35}" + AFTER)


class NpmToken(RegexDetector):
    name = "npm"
    finding_type = "npm Token"
    priority = VENDOR_PRIORITY
    keywords = ("npm_",)
    pattern = re.compile(r"npm_[A-Za-z0-9]{36}")  # checksummed: no boundary needed (see GitHub)

    def accept(self, value: str, match: re.Match[str], doc: Document) -> bool:
        return verify_token_checksum(value)


class PyPIToken(RegexDetector):
    name = "pypi"
    finding_type = "PyPI Token"
    priority = VENDOR_PRIORITY
    keywords = ("pypi-age",)
    # The body is a macaroon: base64 of b"\x02\x01\x08pypi.org..." starts with AgE.
    pattern = re.compile(BEFORE + r"pypi-AgE[A-Za-z0-9_\-]{50,}" + AFTER)


class SendGridKey(RegexDetector):
    name = "sendgrid"
    finding_type = "SendGrid API Key"
    priority = VENDOR_PRIORITY
    keywords = ("sg.",)
    pattern = re.compile(BEFORE + r"SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}" + AFTER)


class TwilioKey(RegexDetector):
    name = "twilio"
    finding_type = "Twilio API Key"
    priority = VENDOR_PRIORITY
    keywords = ("SK", "twilio", "Twilio", "TWILIO")
    case_sensitive = True
    pattern = re.compile(
        r"(?<![A-Za-z0-9])(?P<secret>SK[0-9a-fA-F]{32})(?![A-Za-z0-9])"
        # Assignments, JSON, os.environ["..."] = and markdown (**name**: `v`, | name | v |).
        r"|(?i:twilio\w{0,20}(?:auth_?token|token|secret)[\\'\"`*\]]{0,3}\s*[:=|]\s*[\\'\"`*]{0,3})"
        r"(?P<token>[0-9a-f]{32})(?![A-Za-z0-9])"
    )

    def find(self, doc: Document) -> Iterator[Candidate]:
        for start, end in doc.windows(self.keywords, self.case_sensitive):
            for match in self.pattern.finditer(doc.text, start, end):
                group = "secret" if match.group("secret") else "token"
                s, e = match.span(group)
                yield self.candidate(s, e)


class TwilioAuthToken(Detector):
    """The 32-hex auth token next to an account SID (``AC`` + 32 hex), the SID being
    what names it: ``Client("AC...", "...")``, two lines of stdout, a dict's repr."""

    name = "twilio_auth_token"
    finding_type = "Twilio Auth Token"
    priority = VENDOR_PRIORITY - 5  # a named token (twilio) says more
    confidence = "likely"
    # No keyword gates it ("AC" is in every other word's lowercase form): one C pass
    # for the SID's literal prefix, about 1 ms per MB.
    keywords = ()

    def find(self, doc: Document) -> Iterator[Candidate]:
        for sid in _TWILIO_SID_RE.finditer(doc.text):
            for start, end in paired(doc, sid.span(), _HEX32_RE):
                yield self.candidate(start, end)


_TWILIO_SID_RE = re.compile(r"AC[0-9a-f]{32}(?![0-9A-Za-z])")
_HEX32_RE = re.compile(
    r"(?<![0-9A-Za-z])(?=[0-9a-f]{0,31}[a-f])(?=[0-9a-f]{0,31}[0-9])[0-9a-f]{32}(?![0-9A-Za-z])"
)


class SlackWebhook(RegexDetector):
    name = "slack_webhook"
    finding_type = "Slack Webhook"
    priority = VENDOR_PRIORITY
    keywords = ("hooks.slack.com",)
    pattern = re.compile(
        r"https://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9_/\-]{20,}"
    )
