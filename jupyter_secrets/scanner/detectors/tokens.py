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
    """Every GitLab token family, each with its length: personal, deploy, feed, OAuth,
    runner, CI job and feature-flag tokens (20-50 characters, optionally routable:
    ``.<2>.<crc>``), incoming mail (25), pipeline trigger (40), agent (50-1024), OAuth
    application secrets (64) and legacy runner registration tokens (GR1348941...)."""

    name = "gitlab"
    finding_type = "GitLab Token"
    priority = VENDOR_PRIORITY
    confidence = "likely"
    keywords = (
        "glpat-",
        "gldt-",
        "glrt-",
        "glptt-",
        "glft-",
        "glsoat-",
        "gloas-",
        "glcbt-",
        "glimt-",
        "glagent-",
        "glffct-",
        "gr1348941",
    )
    pattern = re.compile(
        BEFORE
        + r"(?:(?:glpat|gldt|glft|glsoat|glrt|glffct)-[A-Za-z0-9_\-]{20,50}"
        + r"(?:\.[0-9a-z]{2}\.[0-9a-z]{7,9})?"
        + r"|glcbt-(?:[0-9a-fA-F]{2}_)?[A-Za-z0-9_\-]{20,50}"
        + r"|glimt-[A-Za-z0-9_\-]{25}"
        + r"|glptt-[A-Za-z0-9_\-]{40}"
        + r"|glagent-[A-Za-z0-9_\-]{50,1024}"
        + r"|gloas-[A-Za-z0-9_\-]{64}"
        + r"|GR1348941[A-Za-z0-9_\-]{20,50})"
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
    confidence = "verified"  # CRC32-checksummed
    keywords = ("npm_",)
    pattern = re.compile(r"npm_[A-Za-z0-9]{36}")  # checksummed: no boundary needed (see GitHub)

    def accept(self, value: str, match: re.Match[str], doc: Document) -> bool:
        return verify_token_checksum(value)


class NpmLegacyToken(RegexDetector):
    """An npm registry token of the legacy form, a UUID, after ``_authToken=`` (in an
    ``.npmrc`` or wherever its text is shown): the name makes the id a credential."""

    name = "npm_legacy"
    finding_type = "npm Token"
    priority = VENDOR_PRIORITY
    confidence = "likely"
    keywords = ("_authtoken",)
    # .npmrc's scoped form only: //<registry host>[/path]/:_authToken=<uuid>.
    pattern = re.compile(
        r"//[A-Za-z0-9.\-]+(?::\d+)?(?:/[^\s:]*)?/:(?i:_authToken)[ \t]*=[ \t]*[\"']?"
        r"(?P<secret>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
        r"(?![0-9A-Za-z\-])"
    )


class JFrogToken(RegexDetector):
    """JFrog Artifactory API keys (``AKCp`` + 69) and reference tokens (the base64 of
    ``reftkn:01:...``, ``cmVmdGtu`` + 56), near a JFrog or Artifactory keyword."""

    name = "jfrog"
    finding_type = "JFrog Artifactory Token"
    priority = VENDOR_PRIORITY
    confidence = "likely"
    keywords = ("akcp", "cmvmdgtu")
    pattern = re.compile(
        r"(?<![A-Za-z0-9+/])(?:AKCp[A-Za-z0-9]{69}|cmVmdGtu[A-Za-z0-9]{56})(?![A-Za-z0-9+/=])"
    )

    def accept(self, value: str, match: re.Match[str], doc: Document) -> bool:
        segment = doc.segment_at(match.start())
        low = max(segment.start, match.start() - _JFROG_REACH)
        high = min(segment.end, match.end() + _JFROG_REACH)
        return _JFROG_CONTEXT_RE.search(doc.text, low, high) is not None


_JFROG_REACH = 500
_JFROG_CONTEXT_RE = re.compile(r"(?i)jfrog|artifactory|\bjf\b|jf_|x-jfrog")


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


class TwilioKey(Detector):
    name = "twilio"
    finding_type = "Twilio API Key"
    priority = VENDOR_PRIORITY
    confidence = "likely"
    # No keyword gates it: "SK" is in every task, ask and sklearn, one prefilter hit
    # (and one Python call) each, a quarter of all hits in real notebooks. The shapes
    # gate it instead: an API key SID, or the word Twilio for a named token.
    keywords = ()
    shapes = (r"SK[0-9a-fA-F]{32}", r"(?i)twilio")
    #: An API key SID (the character before it is checked apart, so that the regex
    #: engine skips from one literal "SK" to the next).
    key_pattern = re.compile(r"SK[0-9a-fA-F]{32}(?![A-Za-z0-9])")
    #: A token under a Twilio name: assignments, JSON, os.environ["..."] = and markdown
    #: (**name**: `v`, | name | v |). Apart from key_pattern, since a case-insensitive
    #: branch beside it made the engine try every position of every "SK" line.
    token_pattern = re.compile(
        r"(?i:twilio\w{0,20}(?:auth_?token|token|secret)[\\'\"`*\]]{0,3}\s*[:=|]\s*[\\'\"`*]{0,3})"
        r"(?P<token>[0-9a-f]{32})(?![A-Za-z0-9])"
    )

    def find(self, doc: Document) -> Iterator[Candidate]:
        text = doc.text
        for match in self.key_pattern.finditer(text):
            start = match.start()
            if start == 0 or not (text[start - 1].isascii() and text[start - 1].isalnum()):
                yield self.candidate(start, match.end())
        for start, end in doc.windows(("twilio",)):
            for match in self.token_pattern.finditer(text, start, end):
                yield self.candidate(*match.span("token"))


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
    shapes = (r"AC[0-9a-f]{32}",)

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
