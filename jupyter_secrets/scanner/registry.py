"""Detector discovery through the entry-point group ``jupyter_secrets.detectors``.

Third-party packages add detectors by declaring an entry point whose object is
a :class:`~jupyter_secrets.scanner.detectors.Detector` subclass. Built-ins are
declared there too and found by name without package metadata. Discovery and
the rule for a broken plugin are :mod:`jupyter_secrets.plugins`': a detector
that fails to load is left out of the default set (``detector_failures`` says
why, and the CLI and server say so once); asking for it by name is an error.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..plugins import Discovery, PluginFailure, discover
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


def available_detectors() -> dict[str, type[Detector]]:
    """Detector classes by name: every loadable entry point plus the built-ins."""
    return dict(_discover().plugins)


def detector_failures() -> dict[str, PluginFailure]:
    """Detector entry points that failed to load, by name."""
    return dict(_discover().failures)


def load_detectors(names: Iterable[str] | None = None) -> list[Detector]:
    """One instance of each detector named (default: every one that loads)."""
    found = _discover()
    if names is None:
        return [cls() for cls in found.plugins.values()]
    wanted = list(dict.fromkeys(names))
    unknown = [n for n in wanted if n not in found.plugins and n not in found.failures]
    if unknown:
        names_text = ", ".join(repr(n) for n in unknown)
        known = ", ".join(sorted(found.plugins))
        raise ScanError(f"unknown detector {names_text}; available: {known}")
    for name in wanted:
        failure = found.failures.get(name)
        if failure is not None:
            raise ScanError(
                f"{failure.describe('detector')}; reinstall the package that provides it"
            )
    return [found.plugins[name]() for name in wanted]


def _discover() -> Discovery[Detector]:
    return discover(GROUP, Detector, BUILTIN)
