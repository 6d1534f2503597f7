"""Detector discovery through the entry-point group ``jupyter_secrets.detectors``.

Third-party packages add detectors by declaring an entry point whose object
is a :class:`~jupyter_secrets.scanner.detectors.Detector` subclass. The
built-in table below is the fallback when package metadata is missing
(running from a source tree): built-ins are always available.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from importlib.metadata import entry_points

from .detectors import Detector
from .errors import ScanError

GROUP = "jupyter_secrets.detectors"

_D = "jupyter_secrets.scanner.detectors"
_DS = f"{_D}.detect_secrets_adapter"
#: Keep in sync with [project.entry-points."jupyter_secrets.detectors"].
BUILTIN: dict[str, str] = {
    "openai": f"{_D}.tokens:OpenAIKey",
    "anthropic": f"{_D}.tokens:AnthropicKey",
    "huggingface": f"{_D}.tokens:HuggingFaceToken",
    "databricks": f"{_D}.tokens:DatabricksToken",
    "github": f"{_D}.tokens:GitHubToken",
    "gitlab": f"{_D}.tokens:GitLabToken",
    "google_api_key": f"{_D}.tokens:GoogleApiKey",
    "npm": f"{_D}.tokens:NpmToken",
    "npm_legacy": f"{_D}.tokens:NpmLegacyToken",
    "pypi": f"{_D}.tokens:PyPIToken",
    "sendgrid": f"{_D}.tokens:SendGridKey",
    "twilio": f"{_D}.tokens:TwilioKey",
    "twilio_auth_token": f"{_D}.tokens:TwilioAuthToken",
    "slack_webhook": f"{_D}.tokens:SlackWebhook",
    "jfrog": f"{_D}.tokens:JFrogToken",
    "private_key": f"{_D}.keys:PrivateKey",
    "gcp_service_account": f"{_D}.keys:GcpServiceAccountKey",
    "azure_connection_string": f"{_D}.credentials:AzureConnectionString",
    "uri_credentials": f"{_D}.credentials:UriCredentials",
    "connection_string_password": f"{_D}.credentials:ConnectionStringPassword",
    "password_assignment": f"{_D}.credentials:PasswordAssignment",
    "cli_credentials": f"{_D}.cli:CommandLineCredentials",
    "login_credentials": f"{_D}.calls:LoginCredentials",
    "printed_credential": f"{_D}.printed:PrintedCredential",
    "aws": f"{_DS}:AWSKeys",
    "azure_storage_key": f"{_DS}:AzureStorageKey",
    "jwt": f"{_DS}:JsonWebToken",
    "slack": f"{_DS}:SlackToken",
    "stripe": f"{_DS}:StripeKey",
    "mailchimp": f"{_DS}:MailchimpKey",
    "square": f"{_DS}:SquareOAuth",
    "discord": f"{_DS}:DiscordBotToken",
    "telegram": f"{_DS}:TelegramBotToken",
    "ibm_cloud_iam": f"{_DS}:IbmCloudIam",
    "cloudant": f"{_DS}:CloudantCredentials",
}


def available() -> dict[str, str]:
    """Detector name -> "module:attr", entry points over built-ins."""
    table = dict(BUILTIN)
    for ep in entry_points(group=GROUP):
        table[ep.name] = ep.value
    return table


def load_detectors(names: Iterable[str] | None = None) -> list[Detector]:
    table = available()
    wanted = list(table) if names is None else list(names)
    unknown = [n for n in wanted if n not in table]
    if unknown:
        names_text = ", ".join(repr(n) for n in unknown)
        raise ScanError(f"unknown detector {names_text}; available: {', '.join(sorted(table))}")
    return [_instantiate(name, table[name]) for name in dict.fromkeys(wanted)]


def _instantiate(name: str, target: str) -> Detector:
    module_name, _, attr = target.partition(":")
    try:
        obj = getattr(importlib.import_module(module_name), attr)
        detector = obj() if isinstance(obj, type) else obj
    except Exception as exc:
        raise ScanError(
            f"detector {name!r} ({target}) failed to load: {type(exc).__name__}; "
            "reinstall the package that provides it"
        ) from None
    if not isinstance(detector, Detector):
        raise ScanError(f"detector {name!r} ({target}) is not a jupyter_secrets Detector")
    return detector
