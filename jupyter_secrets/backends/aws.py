"""Secrets in AWS Secrets Manager, through boto3 (``pip install 'jupyter-secrets[aws]'``).

A ref's path is the secret's name, after a prefix (option ``prefix``, default ""):
with prefix ``analytics/``, ``prod/db/password`` is the secret
``analytics/prod/db/password``, and ``list`` shows only the secrets under the prefix
whose names are valid refs. Values are ``SecretString`` text (a JSON object works with
``#field``: the core extracts it); a ``SecretBinary`` secret is refused with a clear error.

Versions are AWS's: ``@previous`` is the version staged ``AWSPREVIOUS``, and
``@<VersionId>`` (a UUID, which ``set`` returns and ``list`` shows) names one version;
numbers (``@3``) name nothing here. ``stage`` stores a version labelled ``AWSPENDING``
(readers still get ``AWSCURRENT``), ``promote`` moves ``AWSCURRENT`` to it (AWS moves
``AWSPREVIOUS`` itself), ``discard`` takes ``AWSPENDING`` off it and labels it
``jupyter-secrets-failed`` (one version at a time holds that label).

Options (``backend_options['aws']``): ``region`` (else ``$AWS_REGION``,
``$AWS_DEFAULT_REGION`` or the profile's region), ``profile`` (else ``$AWS_PROFILE`` or
the default one), ``endpoint_url`` (a VPC endpoint, or a test server), ``prefix``,
``recovery_window_days`` (what ``delete`` does: 7 by default, as AWS; 7 to 30 days in
which the secret can be restored; 0 deletes at once, without recovery), ``timeout``
(seconds to connect and to read, default 10) and ``max_attempts`` (tries of a request,
retries included, default 3). Credentials come from the standard AWS chain only
(environment variables, the profile, SSO, an ECS/EKS or instance role), never from
options.

A secret scheduled for deletion reads as not found and cannot be set: ``set`` fails
with a one-line message to restore it in AWS (``aws secretsmanager restore-secret``)
or wait until the recovery window ends; AWS will not create a secret of that name
before then.

Errors say which ref, AWS name and IAM action they are about, from the AWS error
code only: AWS's own message text and the request's parameters never reach them.
"""

from __future__ import annotations

import builtins
import contextvars
import logging
import os
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from ..errors import (
    BackendUnavailableError,
    ConfigError,
    InputError,
    ScopeDeniedError,
    SecretError,
    SecretNotFoundError,
)
from ..refs import SecretRef, parse_ref
from .base import Backend, SecretInfo, SecretRecord, Viability

log = logging.getLogger(__name__)

DEFAULT_RECOVERY_WINDOW_DAYS = 7
DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MAX_ATTEMPTS = 3
CURRENT, PREVIOUS, PENDING = "AWSCURRENT", "AWSPREVIOUS", "AWSPENDING"
#: The label ``discard`` puts on a version that failed its rotation.
FAILED_LABEL = "jupyter-secrets-failed"

_INSTALL = "pip install 'jupyter-secrets[aws]'"
_CONFIGURE = "configure AWS credentials: aws configure, AWS_PROFILE or an instance role"
_UUID = re.compile(r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
# The characters of a secret name (AWS allows nothing else).
_NAME_CHARS = re.compile(r"[A-Za-z0-9/_+=.@-]*")
_SCOPE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")

# What each call does, for the messages of AccessDenied: "may not <verb> '<ref>'".
_VERBS = {
    "GetSecretValue": "read",  # pragma: allowlist secret
    "DescribeSecret": "read the metadata of",  # pragma: allowlist secret
    "CreateSecret": "create",  # pragma: allowlist secret
    "PutSecretValue": "write",  # pragma: allowlist secret
    "UpdateSecretVersionStage": "change the versions of",  # pragma: allowlist secret
    "DeleteSecret": "delete",  # pragma: allowlist secret
}
_ACCESS_DENIED = frozenset({"AccessDeniedException", "AccessDenied"})
_BAD_CREDENTIALS = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "MissingAuthenticationToken",
        "AuthFailure",
    }
)
_EXPIRED = frozenset({"ExpiredTokenException", "ExpiredToken", "RequestExpired"})
_THROTTLED = frozenset(
    {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded"}
)
_SERVER_ERRORS = frozenset({"InternalServiceError", "InternalFailure", "ServiceUnavailable"})
_NOT_FOUND = "ResourceNotFoundException"
_INVALID_REQUEST = "InvalidRequestException"


class ScheduledForDeletionError(SecretError):
    """The secret is scheduled for deletion in AWS: it cannot be set until it is
    restored or deleted."""


class BinarySecretError(SecretNotFoundError):
    """The secret holds ``SecretBinary`` data: there is no text value to read."""


# -- keeping values out of botocore's DEBUG logs ---------------------------------
#
# At DEBUG, botocore logs each request's parameters ("Making request for ... with
# params", botocore.endpoint: a SecretString set) and each response's body
# ("Response body", botocore.parsers: a SecretString read). A logging.Filter cannot
# help: it runs after the record is made, and a record factory or a handler of the
# application may see the record first. So the arguments are withheld as the record is
# made: the makeRecord of those two loggers (the hook logging documents for this) is
# wrapped to replace every argument that is not a number with a placeholder, and only
# while this thread is inside a call of this backend (a context variable). The
# messages stay (which operation, the retries); other users of botocore, in other
# threads or outside these calls, log as before. The other botocore loggers log no
# bodies: botocore.auth logs the payload's SHA-256, urllib3 the method, URL and status.
_BODY_LOGGERS = ("botocore.endpoint", "botocore.parsers")
_WITHHELD = "<withheld by jupyter-secrets>"
_IN_CALL: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "jupyter_secrets_aws_call", default=False
)
_GUARD_LOCK = threading.Lock()
_GUARD_MARK = "_jupyter_secrets_withholds"


def _withheld(arg: object) -> object:
    return arg if arg is None or isinstance(arg, int | float) else _WITHHELD


def _guard_logger(logger: logging.Logger) -> None:
    original = logger.makeRecord
    if getattr(original, _GUARD_MARK, False):
        return

    def make_record(
        name: str,
        level: int,
        fn: str,
        lno: int,
        msg: object,
        args: Any,
        exc_info: Any,
        func: str | None = None,
        extra: Mapping[str, object] | None = None,
        sinfo: str | None = None,
    ) -> logging.LogRecord:
        if _IN_CALL.get() and args:
            if isinstance(args, Mapping):
                args = {key: _withheld(value) for key, value in args.items()}
            else:
                args = tuple(_withheld(arg) for arg in args)
        return original(name, level, fn, lno, msg, args, exc_info, func, extra, sinfo)

    setattr(make_record, _GUARD_MARK, True)
    logger.makeRecord = make_record  # type: ignore[method-assign]


def install_log_guard() -> None:
    """Withhold the arguments of botocore's body-logging records during this backend's
    calls (idempotent; see the comment above)."""
    with _GUARD_LOCK:
        for name in _BODY_LOGGERS:
            _guard_logger(logging.getLogger(name))


@contextmanager
def _bodies_withheld() -> Iterator[None]:
    token = _IN_CALL.set(True)
    try:
        yield
    finally:
        _IN_CALL.reset(token)


# -- failures of a call, reduced to what may be shown -------------------------------


class _Failure(Exception):
    """A failed AWS call: the operation, AWS's error code and HTTP status, or the kind of
    client-side failure; never AWS's message text or the request's parameters."""

    def __init__(self, api: str, code: str = "", status: int = 0, kind: str = "") -> None:
        super().__init__(api, code or kind)
        self.api, self.code, self.status, self.kind = api, code, status, kind
        #: What failed on the client side: credentials, region, profile, params,
        #: network or sdk ("" for an error response of AWS).
        self.category = ""


def _client_side(api: str, exc: Exception, exceptions: Any) -> _Failure:
    failure = _Failure(api, kind=type(exc).__name__)
    categories = (
        ("credentials", (exceptions.NoCredentialsError, exceptions.PartialCredentialsError)),
        ("credentials", (exceptions.CredentialRetrievalError,)),
        ("credentials", (exceptions.TokenRetrievalError, exceptions.SSOError)),
        ("region", (exceptions.NoRegionError,)),
        ("profile", (exceptions.ProfileNotFound,)),
        ("params", (exceptions.ParamValidationError,)),
        ("network", (exceptions.ConnectionError, exceptions.HTTPClientError)),
    )
    failure.category = next(
        (category for category, types in categories if isinstance(exc, types)), "sdk"
    )
    return failure


def _snake(api: str) -> str:
    """The client method of an operation: GetSecretValue -> get_secret_value."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", api).lower()


def _where(endpoint: str | None, region: str | None) -> str:
    if endpoint:
        parts = urlsplit(endpoint)
        return parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else "?"
    return f"region {region}" if region else "its default endpoint"


def _day(when: object) -> str:
    return when.date().isoformat() if isinstance(when, datetime) else "a date AWS shows"


def _looks_like_ec2() -> bool:
    """An EC2 instance, by its DMI or Xen identity files (no network call)."""
    if os.environ.get("AWS_EC2_METADATA_DISABLED", "").lower() == "true":
        return False
    for path, marker in (
        ("/sys/devices/virtual/dmi/id/sys_vendor", "amazon ec2"),
        ("/sys/devices/virtual/dmi/id/board_asset_tag", "i-"),
        ("/sys/hypervisor/uuid", "ec2"),
    ):
        try:
            text = Path(path).read_text(encoding="ascii", errors="replace").strip().lower()
        except OSError:
            continue
        if text.startswith(marker):
            return True
    return False


class AWSSecretsManagerBackend(Backend):
    name: ClassVar[str] = "aws"
    priority: ClassVar[float] = 1.0  # never the automatic default: route refs to it
    writable: ClassVar[bool] = True
    keeps_versions: ClassVar[bool] = True
    supports_staging: ClassVar[bool] = True
    description: ClassVar[str] = "AWS Secrets Manager"
    option_names: ClassVar[frozenset[str] | None] = frozenset(
        {
            "region",
            "profile",
            "endpoint_url",
            "prefix",
            "recovery_window_days",
            "timeout",
            "max_attempts",
        }
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.region: str | None = self._text_option(options, "region")
        self.profile: str | None = self._text_option(options, "profile")
        self.endpoint_url: str | None = self._text_option(options, "endpoint_url")
        if self.endpoint_url is not None and urlsplit(self.endpoint_url).scheme not in (
            "http",
            "https",
        ):
            raise self._bad_option("endpoint_url", "an http(s) URL such as https://host:443")
        prefix = options.get("prefix", "")
        if not isinstance(prefix, str) or not _NAME_CHARS.fullmatch(prefix):
            raise self._bad_option(
                "prefix", "a secret-name prefix of letters, digits and /_+=.@- (e.g. 'team/')"
            )
        self.prefix = prefix
        window = options.get("recovery_window_days", DEFAULT_RECOVERY_WINDOW_DAYS)
        if (
            isinstance(window, bool)
            or not isinstance(window, int)
            or not (window == 0 or 7 <= window <= 30)
        ):
            raise self._bad_option(
                "recovery_window_days", "0 (delete at once) or a number of days from 7 to 30"
            )
        self.recovery_window_days = window
        timeout = options.get("timeout", DEFAULT_TIMEOUT_S)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise self._bad_option("timeout", "a number of seconds greater than 0")
        self.timeout = float(timeout)
        attempts = options.get("max_attempts", DEFAULT_MAX_ATTEMPTS)
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
            raise self._bad_option("max_attempts", "an integer >= 1 (1: no retries)")
        self.max_attempts = attempts
        self._client_lock = threading.Lock()
        self._client_instance: Any = None
        self._exceptions_module: Any = None

    def _bad_option(self, option: str, what: str) -> ConfigError:
        return ConfigError(f"backend 'aws' option '{option}' must be {what}")

    def _text_option(self, options: Mapping[str, Any], option: str) -> str | None:
        value = options.get(option)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise self._bad_option(option, "a non-empty string")
        return value.strip() if isinstance(value, str) else None

    # -- names -----------------------------------------------------------

    def aws_name(self, ref: SecretRef) -> str:
        """The secret's name in AWS: the prefix, then the ref's path."""
        return self.prefix + ref.path

    def path_of(self, aws_name: str) -> str | None:
        """The ref path of an AWS secret name; None outside the prefix or not a ref."""
        if not aws_name.startswith(self.prefix):
            return None
        path = aws_name[len(self.prefix) :]
        try:
            ref = parse_ref(path)
        except SecretError:
            return None
        return path if ref == SecretRef(path) else None

    def _named(self, ref: SecretRef) -> str:
        """'dev/x' or, under a prefix, "'dev/x' (AWS name 'team/dev/x')"."""
        if not self.prefix:
            return f"'{ref.path}'"
        return f"'{ref.path}' (AWS name '{self.aws_name(ref)}')"

    # -- the session and client ------------------------------------------

    def _sdk(self) -> tuple[Any, Any]:
        """boto3 and botocore.exceptions, imported when first needed."""
        try:
            import boto3  # type: ignore[import-untyped]  # noqa: PLC0415 (optional: the [aws] extra)
            import botocore.exceptions  # type: ignore[import-untyped]  # noqa: PLC0415
        except ImportError:
            raise BackendUnavailableError(f"boto3 is not installed: {_INSTALL}") from None
        install_log_guard()
        return boto3, botocore.exceptions

    def _botocore_session(self) -> Any:
        import botocore.session  # type: ignore[import-untyped]  # noqa: PLC0415 (optional: the [aws] extra)

        return botocore.session.Session(profile=self.profile)

    def _region(self, session: Any) -> str | None:
        return self.region or os.environ.get("AWS_REGION") or session.get_config_variable("region")

    def _client(self) -> Any:
        with self._client_lock:
            if self._client_instance is None:
                self._client_instance = self._new_client()
            return self._client_instance

    def _new_client(self) -> Any:
        boto3, exceptions = self._sdk()
        from botocore.config import Config  # type: ignore[import-untyped]  # noqa: PLC0415 (optional: the [aws] extra)

        config = Config(
            connect_timeout=self.timeout,
            read_timeout=self.timeout,
            retries={"mode": "standard", "total_max_attempts": self.max_attempts},
            user_agent_extra="jupyter-secrets",
        )
        problem = self._no_region()
        try:
            core = self._botocore_session()
            region = self._region(core)
            if region:
                self._exceptions_module = exceptions
                return boto3.Session(botocore_session=core).client(
                    "secretsmanager",
                    region_name=region,
                    endpoint_url=self.endpoint_url,
                    config=config,
                )
        except exceptions.ProfileNotFound:
            problem = self._no_profile()
        except exceptions.BotoCoreError as exc:
            problem = (
                f"cannot set up the AWS client ({type(exc).__name__}); check your AWS "
                "configuration (aws configure list)"
            )
        raise BackendUnavailableError(problem)

    def _no_region(self) -> str:
        return (
            "no AWS region: set backend_options['aws']['region'], AWS_REGION or a region "
            "in your AWS profile (aws configure)"
        )

    def _no_profile(self) -> str:
        return (
            f"AWS profile '{self.profile or os.environ.get('AWS_PROFILE', '')}' not found; "
            "create it with aws configure --profile, or fix backend_options['aws']['profile'] "
            "or AWS_PROFILE"
        )

    # -- viability -------------------------------------------------------

    def viable(self) -> Viability:
        """boto3, a region and credentials are here (no network call: an instance role
        is assumed on an EC2 machine, not fetched)."""
        try:
            _boto3, exceptions = self._sdk()
        except BackendUnavailableError as exc:
            return Viability(False, exc.message)
        try:
            session = self._botocore_session()
            session.get_scoped_config()  # raises ProfileNotFound
            region = self._region(session)
            source = self._credential_source(session) if region else None
        except exceptions.ProfileNotFound:
            return Viability(False, self._no_profile())
        except Exception as exc:  # a broken config file or SDK: say what, never its text
            return Viability(
                False,
                f"cannot read the AWS configuration ({type(exc).__name__}); check it with "
                "aws configure list",
            )
        if not region:
            return Viability(False, self._no_region())
        if source is None:
            return Viability(False, f"no AWS credentials found; {_CONFIGURE}")
        where = f"at {_where(self.endpoint_url, region)}" if self.endpoint_url else f"in {region}"
        under = f", names under '{self.prefix}'" if self.prefix else ""
        return Viability(True, f"AWS Secrets Manager {where} (credentials: {source}{under})")

    def _credential_source(self, session: Any) -> str | None:
        """Where the credential chain finds credentials, without a network call or a
        credential process run; None when it finds none."""
        resolver = session.get_component("credential_provider")
        for provider in getattr(resolver, "providers", []):
            method = getattr(provider, "METHOD", None)
            if method == "iam-role":
                if _looks_like_ec2():
                    return "the instance role (fetched when used)"
                continue
            if method == "container-role":
                if os.environ.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") or os.environ.get(
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI"
                ):
                    return "the container role (fetched when used)"
                continue
            # Told from the profile, not loaded: loading runs the process, or may
            # fetch the role's source credentials (from the metadata service, say).
            if method == "custom-process":
                if session.get_scoped_config().get("credential_process"):
                    return "credential_process (run when used)"
                continue
            if method == "assume-role":
                if session.get_scoped_config().get("role_arn"):
                    return "assume-role (the profile's role_arn, assumed when used)"
                continue
            try:
                found = provider.load()
            except Exception:  # a broken or incomplete configuration: no credentials
                found = None
            if found is not None:
                return str(method)
        return None

    def check(self) -> Viability:
        """:meth:`viable`, then one ListSecrets call (a single page of one name)."""
        viability = self.viable()
        if not viability.ok:
            return viability
        try:
            self._request(
                "ListSecrets",
                None,
                allow=_ACCESS_DENIED | {"403"},  # 403: moto's and proxies' bare denial
                MaxResults=1,
                **self._list_filters(None),
            )
        except _Failure:  # AWS took the credentials, and reads by name may work
            return Viability(
                True,
                f"{viability.reason}; reachable, but your AWS identity may not list secrets "
                "(secretsmanager:ListSecrets), so jupyter-secrets list shows none of them",
            )
        except SecretError as exc:
            return Viability(False, exc.message)
        return Viability(True, f"{viability.reason}; verified: it answers ListSecrets")

    # -- calls -----------------------------------------------------------

    def _send(self, api: str, **params: Any) -> Any:
        """Call ``api`` (e.g. "GetSecretValue"); raise _Failure, outside any handler (so
        no botocore exception is chained to what the caller raises)."""
        client = self._client()
        method = getattr(client, _snake(api))
        failure: _Failure
        with _bodies_withheld():
            try:
                return method(**params)
            except Exception as exc:
                failure = self._failure(api, exc)
        raise failure

    def _pages(self, api: str, key: str, **params: Any) -> builtins.list[dict[str, Any]]:
        """Every item under ``key`` of every page of ``api``; raise a SecretError."""
        paginator = self._client().get_paginator(_snake(api))
        failure: _Failure
        with _bodies_withheld():
            try:
                return [
                    item for page in paginator.paginate(**params) for item in page.get(key) or []
                ]
            except Exception as exc:
                failure = self._failure(api, exc)
        raise self._translate(failure, None)

    def _failure(self, api: str, exc: Exception) -> _Failure:
        """What may be told of ``exc``; other exceptions (bugs) are raised again."""
        exceptions = self._exceptions_module
        if isinstance(exc, exceptions.ClientError):
            response = getattr(exc, "response", None) or {}
            code = str((response.get("Error") or {}).get("Code") or "")
            status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
            return _Failure(api, code=code, status=status if isinstance(status, int) else 0)
        if isinstance(exc, exceptions.BotoCoreError):
            return _client_side(api, exc, exceptions)
        raise exc

    def _request(
        self, api: str, ref: SecretRef | None, allow: frozenset[str] = frozenset(), **params: Any
    ) -> Any:
        """:meth:`_send`, raising a SecretError, or the _Failure when its code is in
        ``allow`` (for the caller to handle)."""
        try:
            return self._send(api, **params)
        except _Failure as failure:
            if failure.code and failure.code in allow:
                raise
            error = self._translate(failure, ref)
        raise error

    def _translate(self, failure: _Failure, ref: SecretRef | None) -> SecretError:
        """The one-line SecretError for a failed call: from its code, the ref and the
        AWS name only."""
        api, code = failure.api, failure.code or failure.kind
        action = f"secretsmanager:{api}" + (f" on {self.aws_name(ref)}" if ref else "")
        what = f"'{ref.path}'" if ref is not None else "secrets"
        if failure.category:
            return self._client_side_error(failure, what)
        if code == _NOT_FOUND and ref is not None:
            return self.not_found(ref)
        # An HTTP 403 without an error code AWS's JSON protocol can name is a denial too
        # (moto, and some proxies in front of VPC endpoints, send an XML or empty body).
        if code in _ACCESS_DENIED or (failure.status == 403 and (not code or code.isdigit())):
            verb = _VERBS.get(api, "list") if ref is not None else "list"
            return ScopeDeniedError(
                f"your AWS identity may not {verb} {what} ({action}); ask your AWS admin for access"
            )
        if code == "DecryptionFailure":
            return ScopeDeniedError(
                f"AWS Secrets Manager cannot decrypt {what} ({code}): your AWS identity may "
                "need kms:Decrypt on its KMS key; ask your AWS admin for access"
            )
        if code in _BAD_CREDENTIALS:
            return BackendUnavailableError(
                f"AWS rejected your credentials ({code}); check them with aws sts "
                f"get-caller-identity, or {_CONFIGURE}"
            )
        if code in _EXPIRED:
            return BackendUnavailableError(
                f"your AWS credentials have expired ({code}); refresh them (aws sso login, or "
                "new session credentials) and try again"
            )
        if code in _THROTTLED:
            return BackendUnavailableError(
                f"AWS Secrets Manager is throttling requests ({code} on {api}); try again "
                "in a moment"
            )
        if failure.status >= 500 or code in _SERVER_ERRORS:
            named = f", {code}" if code and not code.isdigit() else ""
            return BackendUnavailableError(
                f"AWS Secrets Manager at {self._where()} failed to answer {api} (HTTP "
                f"{failure.status}{named}); try again later, or check "
                "backend_options['aws']['endpoint_url']"
            )
        if code == _INVALID_REQUEST and ref is not None:
            return SecretError(
                f"AWS Secrets Manager refused {api} on {self._named(ref)} ({code}); it may be "
                "scheduled for deletion: restore it in AWS (aws secretsmanager restore-secret) "
                "or wait until it is deleted"
            )
        return SecretError(
            f"AWS Secrets Manager refused {api} on {what} ({code or 'no error code'}, HTTP "
            f"{failure.status}); see CloudTrail or the AWS console for the reason"
        )

    def _client_side_error(self, failure: _Failure, what: str) -> SecretError:
        kind, category = failure.kind, failure.category
        if category == "credentials":
            return BackendUnavailableError(f"no usable AWS credentials ({kind}); {_CONFIGURE}")
        if category == "region":
            return BackendUnavailableError(self._no_region())
        if category == "profile":
            return BackendUnavailableError(self._no_profile())
        if category == "params":
            return SecretError(
                f"AWS Secrets Manager cannot take this {failure.api} request for {what} "
                f"({kind}: a parameter is invalid, e.g. a name longer than 512 characters); "
                "shorten the ref or the prefix"
            )
        if category == "network":
            return BackendUnavailableError(
                f"cannot reach AWS Secrets Manager at {self._where()} ({kind}); check your network "
                "and proxy, or backend_options['aws']['endpoint_url']"
            )
        return BackendUnavailableError(
            f"the AWS SDK failed on {failure.api} for {what} ({kind}); check your AWS "
            "configuration (aws configure list) and try again"
        )

    def _where(self) -> str:
        """Where requests go: the endpoint's host, or the region."""
        client = self._client_instance
        region = client.meta.region_name if client is not None else self.region
        return _where(self.endpoint_url, region)

    def _describe(self, ref: SecretRef) -> dict[str, Any] | None:
        """DescribeSecret of ``ref`` (metadata, never the value); None when there is no
        such secret."""
        try:
            meta = self._request(
                "DescribeSecret", ref, allow=frozenset({_NOT_FOUND}), SecretId=self.aws_name(ref)
            )
        except _Failure:
            return None
        return dict(meta)

    def _describe_if_allowed(self, ref: SecretRef) -> dict[str, Any] | bool | None:
        """:meth:`_describe`, or False when that cannot be known (denied, unreachable)."""
        try:
            return self._describe(ref)
        except SecretError:
            return False

    def _scheduled(self, ref: SecretRef, meta: Mapping[str, Any]) -> ScheduledForDeletionError:
        name = self.aws_name(ref)
        return ScheduledForDeletionError(
            f"secret {self._named(ref)} is scheduled for deletion in AWS Secrets Manager on "
            f"{_day(meta.get('DeletedDate'))}; restore it in AWS (aws secretsmanager "
            f"restore-secret --secret-id {name}) or wait until it is deleted, then set it again"
        )

    # -- reading ---------------------------------------------------------

    def get(self, ref: SecretRef) -> SecretRecord:
        # AWSCURRENT is AWS's default; named, since moto reads the version it last
        # stored instead of the one UpdateSecretVersionStage made current.
        params: dict[str, Any] = {"SecretId": self.aws_name(ref), "VersionStage": CURRENT}
        if ref.version == "previous":
            params["VersionStage"] = PREVIOUS
        elif ref.version is not None:
            if not _UUID.fullmatch(ref.version):
                raise self.not_found(
                    ref,
                    "AWS Secrets Manager names versions by id (a UUID), not by number: use "
                    "@previous or @<version id> (jupyter-secrets list shows the current id)",
                )
            params["VersionId"] = ref.version
            del params["VersionStage"]
        try:
            response = self._request(
                "GetSecretValue",
                ref,
                allow=frozenset({_NOT_FOUND, _INVALID_REQUEST}),
                **params,
            )
        except _Failure as failure:
            code = failure.code
        else:
            return self._record(ref, response)
        raise self._not_read(ref, code)

    def _record(self, ref: SecretRef, response: Mapping[str, Any]) -> SecretRecord:
        value = response.get("SecretString")
        if not isinstance(value, str):
            kind = "binary data (SecretBinary)" if "SecretBinary" in response else "no text"
            raise BinarySecretError(
                f"secret {self._named(ref)} holds {kind} in AWS Secrets Manager; "
                "jupyter-secrets reads text secrets only: store it as text (e.g. base64) with "
                f"jupyter-secrets set {ref.path} --backend aws"
            )
        created = response.get("CreatedDate")
        version = response.get("VersionId")
        return SecretRecord(
            value=value,
            version=version if isinstance(version, str) else None,
            created=created if isinstance(created, datetime) else None,
        )

    def _not_read(self, ref: SecretRef, code: str) -> SecretError:
        """Why GetSecretValue found nothing (NotFound or InvalidRequest), told from the
        secret's metadata when it may be read."""
        meta = self._describe_if_allowed(ref)
        if meta is None:
            if ref.version is None:
                return self.not_found(ref)
            return self.not_found(
                ref,
                f"there is no secret {self._named(ref)} at all; store it with: "
                f"jupyter-secrets set {ref.path} --backend aws",
            )
        if isinstance(meta, dict) and meta.get("DeletedDate") is not None:
            return self.not_found(
                ref,
                f"it is scheduled for deletion on {_day(meta['DeletedDate'])}: restore it in AWS "
                f"(aws secretsmanager restore-secret --secret-id {self.aws_name(ref)}) to read it",
            )
        if code == _INVALID_REQUEST:
            return self._translate(_Failure("GetSecretValue", code, 400), ref)
        if ref.version == "previous":
            return self.not_found(
                ref,
                "it has no AWSPREVIOUS version: AWS keeps one once the secret has been set twice",
            )
        if ref.version is not None:
            return self.not_found(
                ref,
                "AWS Secrets Manager has no version of it with that id; jupyter-secrets list "
                "shows the current version id",
            )
        return self.not_found(ref)

    def list(self, scope: str | None = None) -> list[SecretInfo]:
        if scope is not None and not _SCOPE.fullmatch(scope):
            return []
        infos = []
        for entry in self._pages("ListSecrets", "SecretList", **self._list_filters(scope)):
            name = entry.get("Name")
            path = self.path_of(name) if isinstance(name, str) else None
            if path is None or (scope is not None and path.split("/", 1)[0] != scope):
                continue
            infos.append(self._info(path, entry))
        return sorted(infos, key=lambda info: info.path)

    def _list_filters(self, scope: str | None) -> dict[str, Any]:
        start = self.prefix + (f"{scope}/" if scope is not None else "")
        return {"Filters": [{"Key": "name", "Values": [start]}]} if start else {}

    def _info(self, path: str, entry: Mapping[str, Any]) -> SecretInfo:
        stages = entry.get("SecretVersionsToStages") or {}
        current = next((v for v, labels in stages.items() if CURRENT in labels), None)
        tags = {
            str(tag.get("Key")): str(tag.get("Value", ""))
            for tag in entry.get("Tags") or []
            if isinstance(tag, Mapping) and "Key" in tag
        }
        updated = entry.get("LastChangedDate")
        return SecretInfo(
            path=path,
            backend=self.name,
            version=current,
            updated=updated if isinstance(updated, datetime) else None,
            extra={
                "aws_name": entry.get("Name"),
                "last_rotated": entry.get("LastRotatedDate"),
                "rotation_enabled": bool(entry.get("RotationEnabled", False)),
                "tags": tags,
                "description": entry.get("Description"),
                "owner": next((v for k, v in tags.items() if k.lower() == "owner"), None),
            },
        )

    # -- writing ---------------------------------------------------------

    def _check_value(self, ref: SecretRef, value: object) -> str:
        if not isinstance(value, str):
            raise InputError(
                f"the value for '{ref.path}' must be text, not {type(value).__name__}; AWS "
                "Secrets Manager stores text (SecretString)"
            )
        if value == "":
            raise InputError(
                f"AWS Secrets Manager cannot store an empty value for '{ref.path}'; give a "
                "non-empty value"
            )
        return value

    def _writable(self, ref: SecretRef) -> bool | None:
        """Whether the secret exists (True), does not (False), or cannot be told (None:
        DescribeSecret denied); raise when it is scheduled for deletion."""
        try:
            meta = self._describe(ref)
        except ScopeDeniedError:
            return None
        if meta is None:
            return False
        if meta.get("DeletedDate") is not None:
            raise self._scheduled(ref, meta)
        return True

    def set(self, ref: SecretRef, value: str) -> str | None:
        value = self._check_value(ref, value)
        exists = self._writable(ref)
        if exists is False:
            created = self._create(ref, value, taken_ok=True)
            if created is not None:
                return created  # else someone created it meanwhile: put a new version
        elif exists is None:  # DescribeSecret denied: put, and create when it is not found
            put = self._put(ref, value, missing_ok=True)
            return put if put is not None else self._create(ref, value)
        return self._put(ref, value)

    def _create(self, ref: SecretRef, value: str, taken_ok: bool = False) -> str | None:
        """CreateSecret; its version id, or None when the name is taken (``taken_ok``)."""
        allow = frozenset({"ResourceExistsException"} if taken_ok else ())
        try:
            response = self._request(
                "CreateSecret", ref, allow=allow, Name=self.aws_name(ref), SecretString=value
            )
        except _Failure:
            return None
        return str(response["VersionId"])

    def _put(self, ref: SecretRef, value: str, missing_ok: bool = False) -> str | None:
        """PutSecretValue; its version id, or None when there is no such secret
        (``missing_ok``)."""
        allow = frozenset({_NOT_FOUND} if missing_ok else ())
        try:
            response = self._request(
                "PutSecretValue", ref, allow=allow, SecretId=self.aws_name(ref), SecretString=value
            )
        except _Failure:
            return None
        return str(response["VersionId"])

    def delete(self, ref: SecretRef) -> None:
        name = self.aws_name(ref)
        meta = self._describe_or_unknown(ref)
        if meta is None:
            raise self.not_found(
                ref,
                f"there is nothing to delete; jupyter-secrets list --backend {self.name} "
                "shows what it holds",
            )
        if meta and meta.get("DeletedDate") is not None:
            raise self.not_found(
                ref,
                f"it is already scheduled for deletion on {_day(meta['DeletedDate'])}; restore "
                f"it in AWS (aws secretsmanager restore-secret --secret-id {name}) to keep it",
            )
        if self.recovery_window_days == 0:
            how: dict[str, Any] = {"ForceDeleteWithoutRecovery": True}
        else:
            how = {"RecoveryWindowInDays": self.recovery_window_days}
        self._request("DeleteSecret", ref, SecretId=name, **how)

    def _describe_or_unknown(self, ref: SecretRef) -> dict[str, Any] | None:
        """:meth:`_describe`, or {} when DescribeSecret is denied (the call is tried)."""
        try:
            return self._describe(ref)
        except ScopeDeniedError:
            return {}

    # -- staging (rotation) ----------------------------------------------

    def stage(self, ref: SecretRef, value: str) -> str:
        value = self._check_value(ref, value)
        if self._writable(ref) is False:
            raise self.not_found(
                ref, f"only an existing secret can stage a version: set {ref.path} first"
            )
        response = self._request(
            "PutSecretValue",
            ref,
            SecretId=self.aws_name(ref),
            SecretString=value,
            VersionStages=[PENDING],
        )
        return str(response["VersionId"])

    def promote(self, ref: SecretRef, version: str) -> None:
        stages = self._stages(ref, version)
        labels = stages[version]
        if CURRENT not in labels:
            if PENDING not in labels:
                raise self._not_staged(ref, version)
            current = next((v for v, held in stages.items() if CURRENT in held), None)
            self._move(ref, CURRENT, to=version, off=current)
        if PENDING in labels:
            self._move(ref, PENDING, to=None, off=version)

    def discard(self, ref: SecretRef, version: str) -> None:
        stages = self._stages(ref, version)
        labels = stages[version]
        if CURRENT in labels:
            raise SecretError(
                f"version {version} of '{ref.path}' is current in AWS Secrets Manager, so it "
                "cannot be discarded; stage a new version and promote it instead"
            )
        if PENDING in labels:
            self._move(ref, PENDING, to=None, off=version)
        if FAILED_LABEL in labels:
            return
        holder = next((v for v, held in stages.items() if FAILED_LABEL in held), None)
        try:  # a mark for whoever looks at its versions in AWS; the discard is done already
            self._move(ref, FAILED_LABEL, to=version, off=holder)
        except SecretError as exc:
            log.debug("could not label a discarded version of %s: %s", ref.path, exc.message)

    def _stages(self, ref: SecretRef, version: str) -> dict[str, builtins.list[str]]:
        """The secret's versions and their labels; raise when ``version`` is not one."""
        versioned = SecretRef(ref.path, version=version)
        if not _UUID.fullmatch(version):
            raise self.not_found(versioned, "AWS version ids are UUIDs, as stage() returns them")
        meta = self._describe(ref)
        if meta is None:
            raise self.not_found(ref)
        if meta.get("DeletedDate") is not None:
            raise self._scheduled(ref, meta)
        stages = {
            str(v): [str(s) for s in labels]
            for v, labels in meta.get("VersionIdsToStages", {}).items()
        }
        if version not in stages:
            raise self._not_staged(ref, version)
        return stages

    def _not_staged(self, ref: SecretRef, version: str) -> SecretNotFoundError:
        return self.not_found(
            SecretRef(ref.path, version=version),
            f"it is not a staged ({PENDING}) version; stage a new one",
        )

    def _move(self, ref: SecretRef, label: str, to: str | None, off: str | None) -> None:
        params: dict[str, Any] = {"SecretId": self.aws_name(ref), "VersionStage": label}
        if to is not None:
            params["MoveToVersionId"] = to
        if off is not None and off != to:
            params["RemoveFromVersionId"] = off
        self._request("UpdateSecretVersionStage", ref, **params)
