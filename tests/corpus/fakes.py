"""Format-correct FAKE secrets and hard negatives, drawn from a seeded RNG.

Every value is invented at generation time: right prefix, length, charset and
checksum (GitHub classic and npm tokens carry a valid CRC32), but no value was
ever issued by a vendor. A ``Fake`` also says how code would name it, so the
renderers can place it in realistic contexts.

Placeholder decision (documented here because scanners must agree on it):
``changeme``, ``password`` and ``example`` assigned to a password name are
NEGATIVES (family ``default_password``). They are public vendor defaults or
documentation values: leaking them discloses nothing, and flagging them trains
users to ignore the gate. A deployment that really uses one can list it as a
known value.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import random
import string
import uuid
from dataclasses import dataclass

B62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
B64 = string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/"
B64URL = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
HEX = "0123456789abcdef"
ALNUM = string.ascii_letters + string.digits
# Password symbols that survive every file format unquoted (no quotes, '#', '$', '@', ':').
PW_SYMBOLS = "!&+-=?^_~.%"

# Vendors' documented example keys: public, never secrets.
AWS_EXAMPLE_KEY_ID = "AKIAIOSFODNN7EXAMPLE"  # pragma: allowlist secret
AWS_EXAMPLE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # pragma: allowlist secret


@dataclass(frozen=True)
class Fake:
    """One planted value (a secret or a hard negative) and how to name it.

    ``text`` is the value as it appears in a file (PEM blocks span lines);
    ``needle`` is a one-line substring that identifies it; ``self_id`` means
    the value is recognisable on its own (prefix or structure), so it may be
    placed without a credential-like name next to it; ``expr`` means ``text``
    is a code expression (``os.environ[...]``), not a string value; ``bare``
    means it is written unquoted even in outputs (a repr such as ``SecretStr('***')``).
    """

    family: str
    positive: bool
    text: str
    needle: str
    name: str
    env: str
    self_id: bool = True
    expr: bool = False
    bare: bool = False

    @property
    def multiline(self) -> bool:
        return "\n" in self.text


def rand(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choices(alphabet, k=n))


def base62(number: int) -> str:
    digits = ""
    while number:
        number, rem = divmod(number, 62)
        digits = B62[rem] + digits
    return digits or "0"


def crc32_token(rng: random.Random, prefix: str) -> str:
    """GitHub/npm token format: 30 base62 chars + base62 CRC32 of them, padded to 6."""
    body = rand(rng, B62, 30)
    checksum = base62(binascii.crc32(body.encode()) & 0xFFFFFFFF).rjust(6, "0")
    return f"{prefix}{body}{checksum}"


def crc32_token_is_valid(token: str) -> bool:
    body, checksum = token.split("_", 1)[1][:-6], token[-6:]
    return base62(binascii.crc32(body.encode()) & 0xFFFFFFFF).rjust(6, "0") == checksum


def fake_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def human_password(rng: random.Random) -> str:
    """Low-entropy, human-made password such as ``Tr0ub4dor&3`` or ``Summer2024!``."""
    words = [
        "summer", "winter", "dragon", "monkey", "sunshine", "football", "harbor",
        "orange", "falcon", "silver", "tiger", "maple", "rocket", "galaxy", "coffee",
        "pepper", "thunder", "marina", "castle", "willow", "troubador", "penguin",
    ]  # fmt: skip
    leet = str.maketrans({"a": "4", "e": "3", "o": "0", "i": "1", "s": "5"})
    word = rng.choice(words)
    style = rng.randrange(4)
    if style == 0:
        return word.capitalize() + str(rng.randrange(1990, 2031)) + rng.choice(PW_SYMBOLS)
    if style == 1:
        return word.capitalize().translate(leet) + rng.choice(PW_SYMBOLS) + str(rng.randrange(10))
    if style == 2:
        other = rng.choice(words)
        return f"{word}{rng.choice(PW_SYMBOLS)}{other.capitalize()}{rng.randrange(100)}"
    return word.upper()[:4] + rng.choice(PW_SYMBOLS) + rand(rng, ALNUM, rng.randrange(4, 8))


def _pem_body(rng: random.Random, nbytes: int, first: str) -> list[str]:
    raw = first + rand(rng, B64, (nbytes * 4 // 3) - len(first))
    return [raw[i : i + 64] for i in range(0, len(raw), 64)]


def pem(rng: random.Random, label: str, nbytes: int, first: str = "MII") -> tuple[str, str]:
    """A PEM block and a unique body line (the needle)."""
    body = _pem_body(rng, nbytes, first)
    text = "\n".join([f"-----BEGIN {label}-----", *body, f"-----END {label}-----"])
    return text, body[1]


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(rng: random.Random) -> str:
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    claims = {
        "sub": str(rng.randrange(10**6, 10**7)),
        "name": rng.choice(["analytics-bot", "etl", "dashboard"]),
        "iat": 1_700_000_000 + rng.randrange(10**7),
        "exp": 1_800_000_000 + rng.randrange(10**7),
    }
    payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
    key = rng.randbytes(32)
    sig = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64url(sig)}"


HOSTS = [
    "db.internal",
    "warehouse.corp.local",
    "10.0.4.17",
    "analytics-db",
    "pg-prod-1.example.net",
]
USERS = ["etl", "analyst", "admin", "svc_reporting", "jdoe", "airflow"]


def _uri(rng: random.Random, password: str) -> tuple[str, str]:
    user, host, db = rng.choice(USERS), rng.choice(HOSTS), rng.choice(["sales", "prod", "dwh"])
    forms = [
        ("postgres", f"postgresql://{user}:{password}@{host}:5432/{db}"),
        ("postgres", f"postgresql+psycopg2://{user}:{password}@{host}/{db}"),
        ("mysql", f"mysql+pymysql://{user}:{password}@{host}:3306/{db}"),
        ("mongodb", f"mongodb+srv://{user}:{password}@cluster0.ab1cd.mongodb.net/{db}"),
        ("redis", f"redis://:{password}@{host}:6379/0"),
        ("mssql", f"mssql+pyodbc://{user}:{password}@{host}:1433/{db}?driver=ODBC+Driver+18"),
        ("snowflake", f"snowflake://{user}:{password}@xy12345.eu-west-1/{db}/public"),
        ("clickhouse", f"clickhouse://{user}:{password}@{host}:8123/{db}"),
        ("https", f"https://{user}:{password}@api.{host}/v1/export"),
        ("pip", f"https://{user}:{password}@pypi.corp.local/simple"),
        ("git", f"https://{user}:{password}@github.com/acme/{db}-pipelines.git"),
    ]
    return rng.choice(forms)


def positive(rng: random.Random, family: str) -> Fake:
    """A fresh fake secret of ``family``."""
    if family == "aws":
        if rng.random() < 0.5:
            kid = rng.choice(["AKIA", "ASIA"]) + rand(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
            return Fake(family, True, kid, kid, "aws_access_key_id", "AWS_ACCESS_KEY_ID")
        sec = rand(rng, B64, 40)
        return Fake(
            family, True, sec, sec, "aws_secret_access_key", "AWS_SECRET_ACCESS_KEY", self_id=False
        )
    if family == "github":
        if rng.random() < 0.7:
            tok = crc32_token(rng, rng.choice(["ghp_", "gho_", "ghu_", "ghs_", "ghr_"]))
        else:
            tok = "github_pat_11" + rand(rng, B62, 20) + "_" + rand(rng, B62, 59)
        return Fake(family, True, tok, tok, "github_token", "GITHUB_TOKEN")
    if family == "openai":
        kind = rng.choice(["sk-proj-", "sk-svcacct-", "sk-"])
        if kind == "sk-":
            tok = "sk-" + rand(rng, ALNUM, 20) + "T3BlbkFJ" + rand(rng, ALNUM, 20)
        else:
            tok = kind + rand(rng, B64URL, 74) + "T3BlbkFJ" + rand(rng, B64URL, 74)
        return Fake(family, True, tok, tok, "openai_api_key", "OPENAI_API_KEY")
    if family == "anthropic":
        tok = "sk-ant-api03-" + rand(rng, B64URL, 93) + "AA"
        return Fake(family, True, tok, tok, "anthropic_api_key", "ANTHROPIC_API_KEY")
    if family == "huggingface":
        tok = "hf_" + rand(rng, string.ascii_letters, 34)
        return Fake(family, True, tok, tok, "hf_token", "HF_TOKEN")
    if family == "databricks":
        tok = "dapi" + rand(rng, HEX, 32) + rng.choice(["", "-2", "-3"])
        return Fake(family, True, tok, tok, "databricks_token", "DATABRICKS_TOKEN")
    if family == "gitlab":
        tok = rng.choice(["glpat-", "glpat-", "gldt-"]) + rand(rng, B64URL.replace("-", ""), 20)
        return Fake(family, True, tok, tok, "gitlab_token", "GITLAB_TOKEN")
    if family == "google_api":
        tok = "AIza" + rand(rng, B64URL, 35)
        return Fake(family, True, tok, tok, "google_api_key", "GOOGLE_API_KEY")
    if family == "gcp_service_account":
        key_text, _ = pem(rng, "PRIVATE KEY", 1200)
        project = rng.choice(["acme-analytics", "ml-prod-4411", "dwh-platform"])
        info = {
            "type": "service_account",
            "project_id": project,
            "private_key_id": rand(rng, HEX, 40),
            "private_key": key_text + "\n",
            "client_email": f"etl@{project}.iam.gserviceaccount.com",
            "client_id": str(rng.randrange(10**20, 10**21)),
            "token_uri": "https://oauth2.googleapis.com/token",
        }
        return Fake(
            family, True, json.dumps(info, indent=2), info["private_key_id"],
            "service_account_info", "GOOGLE_APPLICATION_CREDENTIALS_JSON",
        )  # fmt: skip
    if family == "npm":
        tok = crc32_token(rng, "npm_")
        return Fake(family, True, tok, tok, "npm_token", "NPM_TOKEN")
    if family == "pypi":
        tok = "pypi-AgEIcHlwaS5vcmc" + rand(rng, B64URL, rng.randrange(120, 160))
        return Fake(family, True, tok, tok, "pypi_token", "TWINE_PASSWORD")
    if family == "sendgrid":
        tok = "SG." + rand(rng, B64URL, 22) + "." + rand(rng, B64URL, 43)
        return Fake(family, True, tok, tok, "sendgrid_api_key", "SENDGRID_API_KEY")
    if family == "twilio":
        if rng.random() < 0.5:
            tok = "SK" + rand(rng, HEX, 32)
            return Fake(family, True, tok, tok, "twilio_api_key", "TWILIO_API_KEY")
        tok = rand(rng, HEX, 32)
        return Fake(family, True, tok, tok, "twilio_auth_token", "TWILIO_AUTH_TOKEN", self_id=False)
    if family == "slack_webhook":
        url = (
            "https://hooks.slack.com/services/T" + rand(rng, string.ascii_uppercase + string.digits, 9)
            + "/B" + rand(rng, string.ascii_uppercase + string.digits, 10) + "/" + rand(rng, ALNUM, 24)
        )  # fmt: skip
        return Fake(family, True, url, url, "slack_webhook_url", "SLACK_WEBHOOK_URL")
    if family == "slack_token":

        def num() -> str:
            return str(rng.randrange(10**11, 10**13))

        if rng.random() < 0.5:
            tok = f"xoxb-{num()}-{num()}-{rand(rng, ALNUM, 24)}"
        else:
            tok = f"xoxp-{num()}-{num()}-{num()}-{rand(rng, HEX, 32)}"
        return Fake(family, True, tok, tok, "slack_bot_token", "SLACK_BOT_TOKEN")
    if family == "stripe":
        tok = rng.choice(["sk_live_", "rk_live_"]) + rand(rng, ALNUM, rng.choice([24, 99]))
        return Fake(family, True, tok, tok, "stripe_api_key", "STRIPE_API_KEY")
    if family == "azure_conn":
        account = rng.choice(["acmedata", "mlstore01", "rawlanding"])
        if rng.random() < 0.6:
            key = rand(rng, B64, 86) + "=="
            conn = (
                f"DefaultEndpointsProtocol=https;AccountName={account};"
                f"AccountKey={key};EndpointSuffix=core.windows.net"
            )
        else:
            key = rand(rng, B64, 43) + "="
            conn = (
                f"Endpoint=sb://{account}.servicebus.windows.net/;"
                f"SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={key}"
            )
        return Fake(family, True, conn, key, "connection_string", "AZURE_STORAGE_CONNECTION_STRING")
    if family == "uri_credentials":
        password = human_password(rng) if rng.random() < 0.5 else rand(rng, ALNUM, 20)
        _scheme, uri = _uri(rng, password)
        return Fake(family, True, uri, uri, "database_url", "DATABASE_URL")
    if family == "jdbc_password":
        password, host, user = human_password(rng), rng.choice(HOSTS), rng.choice(USERS)
        conn = rng.choice(
            [
                f"jdbc:sqlserver://{host}:1433;databaseName=dwh;user={user};password={password}",
                f"jdbc:postgresql://{host}:5432/sales?user={user}&password={password}",
                f"jdbc:snowflake://xy12345.snowflakecomputing.com/?user={user}&password={password}&warehouse=WH",
                f"DRIVER={{ODBC Driver 18 for SQL Server}};SERVER={host};DATABASE=dwh;UID={user};PWD={password}",
            ]
        )
        return Fake(family, True, conn, password, "jdbc_url", "JDBC_URL")
    if family == "plain_password":
        password = human_password(rng)
        name = rng.choice(["password", "db_password", "passwd", "pwd", "smtp_password", "PASSWORD"])
        env = rng.choice(["DB_PASSWORD", "PASSWORD", "PGPASSWORD", "MYSQL_PASSWORD"])
        return Fake(family, True, password, password, name, env, self_id=False)
    if family == "private_key":
        label = rng.choice(
            ["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"]
        )
        first = "b3BlbnNzaC1rZXktdjE" if "OPENSSH" in label else "MII"
        text, needle = pem(rng, label, rng.choice([300, 1200, 1700]), first)
        return Fake(family, True, text, needle, "private_key", "PRIVATE_KEY")
    if family == "jwt":
        tok = jwt(rng)
        return Fake(family, True, tok, tok, "access_token", "ACCESS_TOKEN")
    raise ValueError(f"unknown family {family!r}")


POSITIVE_FAMILIES = [
    "aws", "github", "openai", "anthropic", "huggingface", "databricks", "gitlab",
    "google_api", "gcp_service_account", "npm", "pypi", "sendgrid", "twilio",
    "slack_webhook", "slack_token", "stripe", "azure_conn", "uri_credentials",
    "jdbc_password", "plain_password", "private_key", "jwt",
]  # fmt: skip

# Families whose text is a code expression or a reference: they never appear as data.
NEGATIVE_FAMILIES = [
    "aws_example", "placeholder", "default_password", "reference", "masked",
    "certificate", "public_key", "hash", "uuid", "git_sha", "random_id",
]  # fmt: skip


def negative(rng: random.Random, family: str) -> Fake:
    """A fresh hard negative of ``family``: looks like a secret, is not one."""
    if family == "aws_example":
        if rng.random() < 0.5:
            return Fake(
                family,
                False,
                AWS_EXAMPLE_KEY_ID,
                AWS_EXAMPLE_KEY_ID,
                "aws_access_key_id",
                "AWS_ACCESS_KEY_ID",
            )
        return Fake(family, False, AWS_EXAMPLE_SECRET, AWS_EXAMPLE_SECRET, "aws_secret_access_key", "AWS_SECRET_ACCESS_KEY")  # fmt: skip
    if family == "placeholder":
        name, env = rng.choice(
            [("api_key", "OPENAI_API_KEY"), ("password", "DB_PASSWORD"), ("token", "GITHUB_TOKEN"),
             ("secret_key", "SECRET_KEY"), ("db_password", "PGPASSWORD")]
        )  # fmt: skip
        text = rng.choice(
            [
                "<YOUR_API_KEY>", "YOUR_API_KEY_HERE", "${DB_PASSWORD}", "{{ secrets.DB_PASSWORD }}",
                "xxx", "xxxxxxxxxxxx", "***", "<password>", "REPLACE_ME", "your-token-here",
                "${{ secrets.GITHUB_TOKEN }}", "postgresql://etl:<password>@db.internal:5432/sales",
                "postgresql://etl:${DB_PASSWORD}@db.internal/sales", "sk-...", "ghp_xxxxxxxxxxxxxxxxxxxx",
            ]
        )  # fmt: skip
        return Fake(family, False, text, text, name, env)
    if family == "default_password":
        text = rng.choice(["changeme", "password", "example"])
        return Fake(
            family, False, text, text, rng.choice(["password", "db_password"]), "DB_PASSWORD"
        )
    if family == "reference":
        text = rng.choice(
            [
                'os.environ["DB_PASSWORD"]', 'os.getenv("OPENAI_API_KEY")', 'getpass.getpass("Password: ")',
                "getpass()", 'keyring.get_password("warehouse", "etl")',
                'dbutils.secrets.get(scope="prod", key="db-password")', "userdata.get('HF_TOKEN')",
                'st.secrets["db"]["password"]', 'config["database"]["password"]', "settings.DB_PASSWORD",
                "%secret prod/db/password",
            ]
        )  # fmt: skip
        if rng.random() < 0.35:  # the jupyter-secrets reference forms are plain strings
            ref = rng.choice(["secret://prod/db/password", "secret://prod/openai/api_key"])
            return Fake(family, False, ref, ref, "password", "DB_PASSWORD")
        name = rng.choice(["password", "api_key", "token", "db_password"])
        return Fake(family, False, text, text, name, "DB_PASSWORD", expr=True)
    if family == "masked":
        text = rng.choice(
            [
                "[REDACTED prod/db/password]", "SecretStr('**********')", "********",
                "postgresql://etl:***@db.internal:5432/sales", "[REDACTED prod/openai/api_key]",
            ]
        )  # fmt: skip
        name = rng.choice(["password", "api_key", "dsn"])
        return Fake(
            family, False, text, text, name, "DB_PASSWORD", bare=text.startswith("SecretStr")
        )
    if family == "certificate":
        text, needle = pem(rng, "CERTIFICATE", rng.choice([700, 1100]))
        return Fake(family, False, text, needle, "ca_cert", "SSL_CA_CERT")
    if family == "public_key":
        kind = rng.randrange(3)
        if kind == 0:
            text, needle = pem(rng, "PUBLIC KEY", 294)
            return Fake(family, False, text, needle, "public_key", "JWT_PUBLIC_KEY")
        if kind == 1:
            text = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ" + rand(rng, B64, 500) + " etl@bastion"
        else:
            text = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + rand(rng, B64, 43) + " jdoe@laptop"
        return Fake(family, False, text, text, "authorized_key", "SSH_PUBLIC_KEY")
    if family == "hash":
        data = rng.randbytes(32)
        algo = rng.choice(["md5", "sha1", "sha256", "bcrypt"])
        if algo == "bcrypt":
            text = "$2b$12$" + rand(rng, string.ascii_letters + string.digits + "./", 53)
            return Fake(family, False, text, text, "password_hash", "PASSWORD_HASH")
        text = hashlib.new(algo, data).hexdigest()
        return Fake(
            family,
            False,
            text,
            text,
            rng.choice(["checksum", f"expected_{algo}", "etag"]),
            "CHECKSUM",
        )
    if family == "uuid":
        text = fake_uuid(rng)
        return Fake(
            family,
            False,
            text,
            text,
            rng.choice(["run_id", "request_id", "experiment_id"]),
            "RUN_ID",
        )
    if family == "git_sha":
        text = rand(rng, HEX, 40)
        return Fake(
            family, False, text, text, rng.choice(["commit", "rev", "git_sha"]), "GIT_COMMIT"
        )
    if family == "random_id":
        text = rng.choice(
            [
                rand(rng, HEX, 32), f"application_{1_700_000_000_000 + rng.randrange(10**9)}_{rng.randrange(10000):04d}",
                "req_" + rand(rng, ALNUM, 24), rand(rng, HEX, 16) + "-" + rand(rng, HEX, 8),
            ]
        )  # fmt: skip
        return Fake(
            family, False, text, text, rng.choice(["mlflow_run_id", "job_id", "trace_id"]), "JOB_ID"
        )
    raise ValueError(f"unknown negative family {family!r}")
