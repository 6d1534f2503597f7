"""The AWS Secrets Manager backend against a real moto server on 127.0.0.1.

boto3 talks to moto (``endpoint_url``) with fake credentials made per test; moto is
reset before each test. Where moto cannot produce an answer (an HTTP 500, throttling,
expired tokens), a tiny local server answers with AWS's JSON error body instead.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import pytest

from jupyter_secrets.backends import aws
from jupyter_secrets.backends.aws import (
    FAILED_LABEL,
    AWSSecretsManagerBackend,
    BinarySecretError,
    ScheduledForDeletionError,
)
from jupyter_secrets.backends.base import Backend
from jupyter_secrets.config import SecretsConfig
from jupyter_secrets.errors import (
    BackendUnavailableError,
    ConfigError,
    InputError,
    ScopeDeniedError,
    SecretError,
    SecretNotFoundError,
)
from jupyter_secrets.manager import SecretManager
from jupyter_secrets.refs import SecretRef, parse_ref
from jupyter_secrets.testing import BackendContract
from jupyter_secrets.testing.backend import FakeSecrets
from tests.support.fakes import fake_secret

from .moto_server import REGION, ErrorServer, MotoServer

REPO = Path(__file__).resolve().parents[2]
REF = SecretRef("dev/db/password")
# Everything that points boto3 at credentials, a profile, a region or the metadata service.
AWS_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
)


@pytest.fixture(scope="module")
def error_server() -> Iterator[ErrorServer]:
    server = ErrorServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """No AWS configuration of the machine: a HOME without ~/.aws, no metadata service,
    and fake credentials made now, in the region the tests use."""
    for name in AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    credentials = {
        "AWS_ACCESS_KEY_ID": "testing-" + secrets.token_hex(8),
        "AWS_SECRET_ACCESS_KEY": "testing-" + secrets.token_urlsafe(24),  # pragma: allowlist secret
        "AWS_DEFAULT_REGION": REGION,
    }
    for name, value in credentials.items():
        monkeypatch.setenv(name, value)
    return credentials


@pytest.fixture
def store(moto: MotoServer) -> MotoServer:
    """The moto server, emptied."""
    moto.reset()
    return moto


@pytest.fixture
def direct(store: MotoServer) -> Any:
    """A plain boto3 client of the same store, for what the backend does not do itself."""
    return boto3.client("secretsmanager", endpoint_url=store.url, region_name=REGION)


def make_backend(url: str, **options: Any) -> AWSSecretsManagerBackend:
    return AWSSecretsManagerBackend(endpoint_url=url, max_attempts=1, timeout=5, **options)


@pytest.fixture
def backend(store: MotoServer) -> AWSSecretsManagerBackend:
    return make_backend(store.url, recovery_window_days=0)


class TestAWSContract(BackendContract):
    supports_previous = True  # AWSPREVIOUS
    supports_numbered_versions = True  # set returns the VersionId, a UUID refs can name
    supports_staging = True  # AWSPENDING
    # botocore refuses an empty SecretString before sending it (min length 1), as AWS does.
    allows_empty_values = False

    @pytest.fixture
    def backend(self, store: MotoServer) -> AWSSecretsManagerBackend:
        # recovery_window_days=0: a deleted name can be set again at once.
        return make_backend(store.url, recovery_window_days=0)

    @pytest.fixture(params=["nothing-listening", "http-500"])
    def unavailable_backend(
        self, request: pytest.FixtureRequest, error_server: ErrorServer
    ) -> AWSSecretsManagerBackend:
        if request.param == "nothing-listening":
            return make_backend("http://127.0.0.1:9")
        error_server.answer(500)
        return make_backend(error_server.url)

    # AWS-specific tests that use the contract's leak guard (its `fake` fixture).

    def test_access_denied_from_moto_iam(
        self, store: MotoServer, monkeypatch: pytest.MonkeyPatch, fake: FakeSecrets
    ) -> None:
        """A real denial: moto enforces IAM after a few free requests, for a user allowed to
        list and describe secrets but not to read, write or delete them. (moto answers HTTP
        403 with an XML AccessDenied body; AWS answers AccessDeniedException in JSON with
        HTTP 400, which test_error_responses_map_to_... covers.)"""
        # moto, playing AWS, logs each request it authorizes (bodies too): the server's log.
        monkeypatch.setattr(logging.getLogger("moto.iam.access_control"), "disabled", True)
        value = fake_secret()  # the admin's write logs it (a plain boto3 client): untracked
        with store.iam_enforced(free_requests=4):
            iam = boto3.client("iam", endpoint_url=store.url, region_name=REGION)
            iam.create_user(UserName="analyst")
            policy = {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["secretsmanager:ListSecrets", "secretsmanager:DescribeSecret"],
                        "Resource": "*",
                    }
                ],
            }
            iam.put_user_policy(
                UserName="analyst", PolicyName="list-only", PolicyDocument=json.dumps(policy)
            )
            key = iam.create_access_key(UserName="analyst")["AccessKey"]
            admin = boto3.client("secretsmanager", endpoint_url=store.url, region_name=REGION)
            admin.create_secret(Name="prod/db/password", SecretString=value)
            # From here on, every request is checked against the analyst's policy.
            monkeypatch.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
            monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
            backend = make_backend(store.url)
            assert [i.path for i in backend.list()] == ["prod/db/password"]  # allowed
            ref = SecretRef("prod/db/password")
            with fake.raises(ScopeDeniedError, "get", names="prod/db/password"):
                backend.get(ref)
            with pytest.raises(ScopeDeniedError) as caught:
                backend.get(ref)
            assert str(caught.value) == (
                "your AWS identity may not read 'prod/db/password' (secretsmanager:GetSecretValue "
                "on prod/db/password); ask your AWS admin for access"
            )
            with fake.raises(ScopeDeniedError, "set", names="prod/db/password"):
                backend.set(ref, fake.new())
            with pytest.raises(ScopeDeniedError, match=r"may not write .*PutSecretValue"):
                backend.set(ref, fake.new())
            with pytest.raises(ScopeDeniedError, match=r"may not delete .*DeleteSecret"):
                backend.delete(ref)
            check = backend.check()
            assert check.ok, check.reason  # ListSecrets is allowed
        fake.check_output()

    @pytest.mark.parametrize(
        ("status", "code", "error", "says"),
        [
            (400, "AccessDeniedException", ScopeDeniedError, "may not read 'dev/db/password'"),
            (400, "DecryptionFailure", ScopeDeniedError, "kms:Decrypt"),
            (400, "ThrottlingException", BackendUnavailableError, "throttling"),
            (
                400,
                "UnrecognizedClientException",
                BackendUnavailableError,
                "rejected your credentials",
            ),
            (400, "ExpiredTokenException", BackendUnavailableError, "have expired"),
            (
                500,
                "InternalServiceError",
                BackendUnavailableError,
                "(HTTP 500, InternalServiceError)",
            ),
            (503, "", BackendUnavailableError, "failed to answer GetSecretValue (HTTP 503)"),
            (400, "ValidationException", SecretError, "refused GetSecretValue"),
        ],
    )
    def test_error_responses_map_to_one_line_errors_without_aws_text(
        self,
        error_server: ErrorServer,
        fake: FakeSecrets,
        status: int,
        code: str,
        error: type[SecretError],
        says: str,
    ) -> None:
        """AWS's JSON error bodies, from a small local server (moto does not throttle or
        fail): the error is chosen by code and status; AWS's message text never shows."""
        aws_text = fake.new()  # what AWS's free text could hold; looked for like a value
        error_server.answer(status, code, f"details {aws_text}")
        backend = make_backend(error_server.url)
        with fake.raises(error, f"get on {code or status}"):
            backend.get(REF)
        with pytest.raises(error) as caught:
            backend.get(REF)
        assert says in str(caught.value)
        assert caught.value.__cause__ is None and caught.value.__context__ is None
        verdict = backend.check()
        assert not fake.leaked(verdict.reason)
        # A denied ListSecrets proves AWS took the credentials: reads by name may work.
        assert verdict.ok == (code == "AccessDeniedException"), verdict.reason

    def test_botocore_bodies_are_withheld_only_in_backend_calls(
        self,
        backend: AWSSecretsManagerBackend,
        direct: Any,
        fake: FakeSecrets,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        value = fake.new()
        backend.set(REF, value)
        assert backend.get(REF).value == value
        bodies = [r for r in caplog.records if r.name in ("botocore.endpoint", "botocore.parsers")]
        assert bodies, "botocore logged no request or response at DEBUG"
        assert any(aws._WITHHELD in r.getMessage() for r in bodies)
        fake.check_output()  # no record holds the value
        caplog.clear()
        visible = "not-a-secret-" + secrets.token_hex(8)  # another user's call logs as before
        direct.create_secret(Name="dev/other", SecretString=visible)
        assert any(
            visible in r.getMessage() for r in caplog.records if r.name == "botocore.endpoint"
        )


# -- names and the prefix -----------------------------------------------------


def test_prefix_maps_refs_to_names_and_back(store: MotoServer, direct: Any) -> None:
    backend = make_backend(store.url, prefix="analytics/", recovery_window_days=0)
    value, outside = fake_secret(), fake_secret()
    direct.create_secret(Name="analytics/prod/db/password", SecretString=value)
    direct.create_secret(Name="prod/db/password", SecretString=outside)  # outside the prefix
    direct.create_secret(Name="analytics/noscope", SecretString=fake_secret())  # not a ref
    direct.create_secret(Name="analytics/prod/x@y", SecretString=fake_secret())  # not a ref
    assert [i.path for i in backend.list()] == ["prod/db/password"]
    info = backend.list()[0]
    assert info.extra["aws_name"] == "analytics/prod/db/password"
    assert backend.get(SecretRef("prod/db/password")).value == value, "read the wrong secret"

    written = fake_secret()
    version = backend.set(SecretRef("dev/new/key"), written)
    stored = direct.get_secret_value(SecretId="analytics/dev/new/key")
    assert (stored["SecretString"], stored["VersionId"]) == (written, version), "stored elsewhere"
    assert [i.path for i in backend.list("dev")] == ["dev/new/key"]
    assert [i.path for i in backend.list("prod")] == ["prod/db/password"]
    assert backend.list("stg") == []

    unprefixed = make_backend(store.url)
    assert unprefixed.get(SecretRef("prod/db/password")).value == outside
    assert "analytics/prod/db/password" in {i.path for i in unprefixed.list()}


def test_not_found_names_the_aws_name_under_a_prefix(store: MotoServer) -> None:
    backend = make_backend(store.url, prefix="team-")
    with pytest.raises(SecretNotFoundError) as caught:
        backend.get(SecretRef("dev/missing", version="previous"))
    assert "team-dev/missing" in str(caught.value)
    assert "jupyter-secrets set dev/missing --backend aws" in str(caught.value)


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("prefix", "!negated/"),
        ("prefix", "with space/"),
        ("recovery_window_days", 3),
        ("recovery_window_days", True),
        ("timeout", 0),
        ("max_attempts", 0),
        ("endpoint_url", "127.0.0.1:9"),
        ("region", ""),
    ],
)
def test_bad_options_are_config_errors(option: str, value: object) -> None:
    with pytest.raises(ConfigError, match=f"option '{option}'"):
        AWSSecretsManagerBackend(**{option: value})


def test_credentials_are_never_options() -> None:
    with pytest.raises(ConfigError, match="unknown option"):
        AWSSecretsManagerBackend(aws_secret_access_key=fake_secret())


# -- reading --------------------------------------------------------------------


def test_json_field_through_the_manager(store: MotoServer, direct: Any, tmp_path: Path) -> None:
    password = fake_secret()
    document = {"username": "analyst", "password": password, "port": 5432}
    direct.create_secret(Name="prod/warehouse", SecretString=json.dumps(document))
    settings = SecretsConfig(
        routes={"": "aws"},
        backend_options={"aws": {"endpoint_url": store.url, "max_attempts": 1}},
        audit_log=str(tmp_path / "audit.log"),
    )
    manager = SecretManager(settings, user="tester")
    assert manager.get("prod/warehouse#password").reveal() == password, "field differs"
    assert manager.get("prod/warehouse#port").reveal() == "5432"
    assert json.loads(manager.get("secret://prod/warehouse").reveal()) == document
    with pytest.raises(SecretNotFoundError, match="its fields are: password, port, username"):
        manager.get("prod/warehouse#missing")


def test_previous_and_version_id_reads(backend: AWSSecretsManagerBackend) -> None:
    values = [fake_secret(), fake_secret(), fake_secret()]
    versions = [backend.set(REF, value) for value in values]
    for version, value in zip(versions, values, strict=True):
        assert version is not None
        ref = parse_ref(f"{REF.path}@{version}")  # what a user writes
        record = backend.get(ref)
        assert (record.value, record.version) == (value, version), "another version"
        assert record.created is not None and record.created.tzinfo is not None
    previous = backend.get(SecretRef(REF.path, version="previous"))
    assert (previous.value, previous.version) == (values[1], versions[1])
    current = backend.get(REF)
    assert (current.value, current.version) == (values[2], versions[2])


def test_a_number_is_not_a_version_here(backend: AWSSecretsManagerBackend) -> None:
    backend.set(REF, fake_secret())
    with pytest.raises(SecretNotFoundError, match="names versions by id"):
        backend.get(SecretRef(REF.path, version="2"))


def test_unknown_version_id_and_missing_previous_say_why(
    backend: AWSSecretsManagerBackend,
) -> None:
    backend.set(REF, fake_secret())
    unknown = SecretRef(REF.path, version="8c1a0f7e-3b2d-4c5e-9f10-2a3b4c5d6e7f")
    with pytest.raises(SecretNotFoundError, match="no version of it with that id"):
        backend.get(unknown)
    with pytest.raises(SecretNotFoundError, match="no AWSPREVIOUS version"):
        backend.get(SecretRef(REF.path, version="previous"))


def test_binary_secret_is_refused_clearly(backend: AWSSecretsManagerBackend, direct: Any) -> None:
    direct.create_secret(Name=REF.path, SecretBinary=secrets.token_bytes(16))
    with pytest.raises(BinarySecretError) as caught:
        backend.get(REF)
    message = str(caught.value)
    assert "binary data (SecretBinary)" in message and REF.path in message
    assert isinstance(caught.value, SecretNotFoundError) and "\n" not in message


def test_list_metadata(backend: AWSSecretsManagerBackend, direct: Any) -> None:
    direct.create_secret(
        Name="prod/api/key",
        SecretString=fake_secret(),
        Description="the payments API key",
        Tags=[{"Key": "owner", "Value": "payments-team"}, {"Key": "env", "Value": "prod"}],
    )
    version = backend.set(SecretRef("dev/plain"), fake_secret())
    direct.rotate_secret(
        SecretId="prod/api/key",  # pragma: allowlist secret
        RotationRules={"AutomaticallyAfterDays": 30},
        RotateImmediately=False,
    )
    infos = {info.path: info for info in backend.list()}
    assert sorted(infos) == ["dev/plain", "prod/api/key"]
    rotated, plain = infos["prod/api/key"], infos["dev/plain"]
    described = direct.describe_secret(SecretId="prod/api/key")
    current = next(v for v, s in described["VersionIdsToStages"].items() if "AWSCURRENT" in s)
    assert rotated.backend == "aws" and rotated.version == current
    assert rotated.updated == described["LastChangedDate"]
    assert rotated.extra["rotation_enabled"] is True
    assert rotated.extra["last_rotated"] is not None
    assert rotated.extra["tags"] == {"owner": "payments-team", "env": "prod"}
    assert rotated.extra["owner"] == "payments-team"
    assert rotated.extra["description"] == "the payments API key"
    assert plain.version == version
    assert plain.extra["rotation_enabled"] is False and plain.extra["owner"] is None
    assert plain.extra["tags"] == {}


def test_list_pages_through_many_secrets(backend: AWSSecretsManagerBackend, direct: Any) -> None:
    names = [f"dev/many/s{i:03d}" for i in range(105)]  # ListSecrets pages hold 100 at most
    for name in names:
        direct.create_secret(Name=name, SecretString="x")
    assert [info.path for info in backend.list("dev")] == names


# -- writing and deleting ---------------------------------------------------------


def test_empty_and_non_text_values_are_refused(backend: AWSSecretsManagerBackend) -> None:
    with pytest.raises(InputError, match="empty value"):
        backend.set(REF, "")
    with pytest.raises(InputError, match="must be text"):
        backend.set(REF, b"bytes")  # type: ignore[arg-type]
    with pytest.raises(SecretNotFoundError):
        backend.get(REF)


def test_scheduled_for_deletion(store: MotoServer, direct: Any) -> None:
    backend = make_backend(store.url)  # the default: a 7-day recovery window
    backend.set(REF, fake_secret())
    backend.delete(REF)
    assert direct.describe_secret(SecretId=REF.path).get("DeletedDate") is not None
    with pytest.raises(SecretNotFoundError, match="scheduled for deletion on 20"):
        backend.get(REF)
    with pytest.raises(ScheduledForDeletionError) as caught:
        backend.set(REF, fake_secret())
    message = str(caught.value)
    assert "restore it in AWS" in message and "or wait until it is deleted" in message
    assert "restore-secret --secret-id dev/db/password" in message and "\n" not in message
    with pytest.raises(ScheduledForDeletionError):
        backend.stage(REF, fake_secret())
    with pytest.raises(SecretNotFoundError, match="already scheduled for deletion"):
        backend.delete(REF)
    assert backend.list() == []

    direct.restore_secret(SecretId=REF.path)  # what the message says to do
    again = fake_secret()
    backend.set(REF, again)
    assert backend.get(REF).value == again


def test_force_delete_without_recovery(backend: AWSSecretsManagerBackend, direct: Any) -> None:
    backend.set(REF, fake_secret())
    backend.delete(REF)
    with pytest.raises(direct.exceptions.ResourceNotFoundException):
        direct.describe_secret(SecretId=REF.path)


def test_set_creates_then_puts_versions(backend: AWSSecretsManagerBackend, direct: Any) -> None:
    first = backend.set(REF, fake_secret())
    second = backend.set(REF, fake_secret())
    stages = direct.describe_secret(SecretId=REF.path)["VersionIdsToStages"]
    assert stages == {first: ["AWSPREVIOUS"], second: ["AWSCURRENT"]}


# -- staging (rotation), natively -------------------------------------------------


def _stages(direct: Any) -> dict[str, list[str]]:
    return {
        version: sorted(labels)
        for version, labels in direct.describe_secret(SecretId=REF.path)[
            "VersionIdsToStages"
        ].items()
    }


def test_staging_uses_aws_labels(backend: AWSSecretsManagerBackend, direct: Any) -> None:
    old = backend.set(REF, fake_secret())
    assert old is not None
    staged = backend.stage(REF, fake_secret())
    assert _stages(direct) == {old: ["AWSCURRENT"], staged: ["AWSPENDING"]}
    backend.promote(REF, staged)
    assert _stages(direct) == {old: ["AWSPREVIOUS"], staged: ["AWSCURRENT"]}
    backend.promote(REF, staged)  # again: nothing to do
    assert _stages(direct) == {old: ["AWSPREVIOUS"], staged: ["AWSCURRENT"]}

    failed = backend.stage(REF, fake_secret())
    backend.discard(REF, failed)
    assert _stages(direct) == {
        old: ["AWSPREVIOUS"],
        staged: ["AWSCURRENT"],
        failed: [FAILED_LABEL],
    }
    failed_again = backend.stage(REF, fake_secret())
    backend.discard(REF, failed_again)  # the label moves: one failed version is marked
    stages = _stages(direct)
    assert stages[failed_again] == [FAILED_LABEL] and stages[failed] == []
    with pytest.raises(SecretNotFoundError, match="not a staged"):
        backend.promote(REF, failed)
    with pytest.raises(SecretError, match="is current"):
        backend.discard(REF, staged)


def test_stage_needs_an_existing_secret(backend: AWSSecretsManagerBackend) -> None:
    with pytest.raises(SecretNotFoundError, match="set dev/db/password first"):
        backend.stage(REF, fake_secret())
    backend.set(REF, fake_secret())
    with pytest.raises(SecretNotFoundError, match="not a staged"):
        backend.promote(REF, "8c1a0f7e-3b2d-4c5e-9f10-2a3b4c5d6e7f")
    with pytest.raises(SecretNotFoundError, match="UUIDs"):
        backend.discard(REF, "3")


# -- errors -------------------------------------------------------------------------


def test_no_credentials_at_call_time(store: MotoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    backend = make_backend(store.url)
    with pytest.raises(BackendUnavailableError, match="no usable AWS credentials"):
        backend.get(REF)


# -- viability ------------------------------------------------------------------------


def test_viable_with_credentials_and_region(store: MotoServer) -> None:
    verdict = make_backend(store.url, prefix="team/").viable()
    assert verdict.ok, verdict.reason
    assert verdict.reason == (
        f"AWS Secrets Manager at {store.url.removeprefix('http://')} (credentials: env, "
        "names under 'team/')"
    )


def test_viable_without_region(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    verdict = AWSSecretsManagerBackend().viable()
    assert not verdict.ok and verdict.reason.startswith("no AWS region:")
    assert AWSSecretsManagerBackend(region="eu-west-1").viable().ok
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    assert AWSSecretsManagerBackend().viable().ok


def test_viable_without_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    verdict = AWSSecretsManagerBackend().viable()
    assert not verdict.ok
    assert verdict.reason == (
        "no AWS credentials found; configure AWS credentials: aws configure, AWS_PROFILE "
        "or an instance role"
    )
    assert not AWSSecretsManagerBackend().check().ok


def test_viable_from_a_profile(monkeypatch: pytest.MonkeyPatch, aws_env: dict[str, str]) -> None:
    """Credentials and region from ~/.aws files (a temp HOME), as `aws configure` writes."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name)
    folder = Path(os.environ["HOME"]) / ".aws"
    folder.mkdir()
    (folder / "credentials").write_text(
        "[analytics]\n"
        f"aws_access_key_id = {aws_env['AWS_ACCESS_KEY_ID']}\n"
        f"aws_secret_access_key = {aws_env['AWS_SECRET_ACCESS_KEY']}\n"
    )
    (folder / "config").write_text("[profile analytics]\nregion = eu-central-1\n")
    verdict = AWSSecretsManagerBackend(profile="analytics").viable()
    assert verdict.ok, verdict.reason
    assert "in eu-central-1" in verdict.reason and "shared-credentials-file" in verdict.reason
    missing = AWSSecretsManagerBackend(profile="nope").viable()
    assert not missing.ok and missing.reason.startswith("AWS profile 'nope' not found")
    assert not AWSSecretsManagerBackend().viable().ok  # the default profile has nothing


def test_viable_without_boto3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)  # import boto3 now raises ImportError
    backend = AWSSecretsManagerBackend()
    verdict = backend.viable()
    assert not verdict.ok
    assert verdict.reason == "boto3 is not installed: pip install 'jupyter-secrets[aws]'"
    with pytest.raises(BackendUnavailableError, match="boto3 is not installed"):
        backend.get(REF)


def test_module_imports_without_boto3() -> None:
    code = (
        "import sys; sys.modules['boto3'] = sys.modules['botocore'] = None\n"
        "from jupyter_secrets.backends.aws import AWSSecretsManagerBackend as B\n"
        "print(B().viable().reason)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "boto3 is not installed: pip install 'jupyter-secrets[aws]'"


# -- logs ---------------------------------------------------------------------------------


def test_log_guard_is_installed_once() -> None:
    aws.install_log_guard()
    logger = logging.getLogger("botocore.endpoint")
    wrapped = logger.makeRecord
    aws.install_log_guard()
    assert logger.makeRecord is wrapped and getattr(wrapped, aws._GUARD_MARK)


def test_backend_is_registered() -> None:
    from jupyter_secrets.backends.registry import available_backends

    cls: type[Backend] = available_backends()["aws"]
    assert cls is AWSSecretsManagerBackend and cls.priority < 5
