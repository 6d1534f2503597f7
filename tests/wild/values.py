"""FAKE credential values, written from the vendors' published format descriptions.

Independent of ``tests/corpus/fakes.py`` on purpose (a second evaluation must
not share the first one's generator). Each generator takes a seeded
``random.Random`` and returns a value no vendor ever issued; where a format
carries a checksum (GitHub classic and npm tokens: CRC32 of the random part in
base62, 6 characters, left-padded with "0") it is computed, so the value is
well-formed. Values are built at run time and never printed.
"""

from __future__ import annotations

import base64
import json
import random
import string
import zlib
from dataclasses import dataclass

UPPER, LOWER, DIGITS = string.ascii_uppercase, string.ascii_lowercase, string.digits
ALNUM = UPPER + LOWER + DIGITS
BASE62 = DIGITS + UPPER + LOWER  # GitHub's checksum alphabet: 0-9, A-Z, a-z
BASE32 = UPPER + "234567"  # AWS key ids after the 4-letter prefix
B64 = UPPER + LOWER + DIGITS + "+/"
URLSAFE = ALNUM + "-_"
HEX = "0123456789abcdef"


@dataclass(frozen=True)
class Value:
    """One planted value. ``kind`` says which contexts fit it (see ``contexts``).

    ``name``/``env``: how code names it; ``vendor``: for prose and CLI flags;
    ``needle``: a one-line piece that identifies it in the file (multi-line
    values: one body line), ``text`` is the whole value.
    """

    family: str
    positive: bool
    kind: str
    text: str
    name: str
    env: str
    vendor: str = ""
    needle: str = ""

    @property
    def probe(self) -> str:
        return self.needle or self.text


def pick(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _b62(number: int, width: int) -> str:
    out = ""
    while number:
        number, rest = divmod(number, 62)
        out = BASE62[rest] + out
    return out.rjust(width, "0")


def checksummed(prefix: str, rng: random.Random) -> str:
    """GitHub classic / npm format: prefix + 30 base62 + CRC32(those 30) in 6 base62."""
    body = pick(rng, ALNUM, 30)
    return f"{prefix}{body}{_b62(zlib.crc32(body.encode()) & 0xFFFFFFFF, 6)}"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# -- vendor tokens --------------------------------------------------------------


def aws_key_id(rng: random.Random) -> str:
    """AWS access key id: AKIA (long-term) or ASIA (session) + 16 base32 characters."""
    return rng.choice(["AKIA", "AKIA", "ASIA"]) + pick(rng, BASE32, 16)


def aws_secret(rng: random.Random) -> str:
    """AWS secret access key: 40 characters of base64."""
    return pick(rng, B64, 40)


def github(rng: random.Random) -> str:
    if rng.random() < 0.8:
        return checksummed(rng.choice(["ghp_", "ghp_", "gho_", "ghs_"]), rng)
    return f"github_pat_{pick(rng, ALNUM, 22)}_{pick(rng, ALNUM, 59)}"  # fine-grained


def gitlab(rng: random.Random) -> str:
    return "glpat-" + pick(rng, URLSAFE, 20)


def slack_token(rng: random.Random) -> str:
    team, user = pick(rng, DIGITS, rng.randint(10, 13)), pick(rng, DIGITS, rng.randint(10, 13))
    if rng.random() < 0.6:
        return f"xoxb-{team}-{user}-{pick(rng, ALNUM, 24)}"
    return f"xoxp-{team}-{user}-{pick(rng, DIGITS, 13)}-{pick(rng, HEX, 32)}"


def slack_webhook(rng: random.Random) -> str:
    team, bot = pick(rng, UPPER + DIGITS, rng.randint(8, 10)), pick(rng, UPPER + DIGITS, 10)
    return f"https://hooks.slack.com/services/T{team}/B{bot}/{pick(rng, ALNUM, 24)}"


def stripe(rng: random.Random) -> str:
    return rng.choice(["sk_live_", "rk_live_"]) + pick(rng, ALNUM, rng.choice([24, 99]))


def openai(rng: random.Random) -> str:
    """Project / service-account keys: 74 (or 58) + the "T3BlbkFJ" marker + 74 (or 58)."""
    n = rng.choice([74, 58])
    kind = rng.choice(["proj", "proj", "svcacct"])
    return f"sk-{kind}-{pick(rng, URLSAFE, n)}T3BlbkFJ{pick(rng, URLSAFE, n)}"


def anthropic(rng: random.Random) -> str:
    return "sk-ant-api03-" + pick(rng, URLSAFE, 93) + "AA"


def huggingface(rng: random.Random) -> str:
    return "hf_" + pick(rng, UPPER + LOWER, 34)


def google_api(rng: random.Random) -> str:
    return "AIza" + pick(rng, URLSAFE, 35)


def sendgrid(rng: random.Random) -> str:
    return f"SG.{pick(rng, URLSAFE, 22)}.{pick(rng, URLSAFE, 43)}"


def npm(rng: random.Random) -> str:
    return checksummed("npm_", rng)


def pypi(rng: random.Random) -> str:
    """A PyPI API token: "pypi-" + a base64url macaroon that starts with its location."""
    return "pypi-AgEIcHlwaS5vcmc" + b64url(rng.randbytes(rng.randint(110, 150)))


def databricks(rng: random.Random) -> str:
    return "dapi" + pick(rng, HEX, 32) + rng.choice(["", "", "-2", "-3"])


def twilio_sid(rng: random.Random) -> str:
    return "AC" + pick(rng, HEX, 32)


def twilio_token(rng: random.Random) -> str:
    return pick(rng, HEX, 32)


def jwt(rng: random.Random) -> str:
    header = {"alg": rng.choice(["RS256", "HS256", "ES256"]), "typ": "JWT"}
    if rng.random() < 0.5:
        header["kid"] = pick(rng, URLSAFE, 22)
    claims = {
        "iss": rng.choice(
            ["https://auth.acme-data.io/", "qdrant", "supabase", "https://sts.windows.net/"]
        ),
        "sub": pick(rng, HEX, 24),
        "aud": rng.choice(["api", "authenticated", "warehouse"]),
        "iat": 1_690_000_000 + rng.randrange(10**8),
        "exp": 1_790_000_000 + rng.randrange(10**8),
    }
    sig = rng.randbytes(256 if header["alg"] == "RS256" else 32 if header["alg"] == "HS256" else 64)
    parts = [json.dumps(header, separators=(",", ":")), json.dumps(claims, separators=(",", ":"))]
    return ".".join([*(b64url(p.encode()) for p in parts), b64url(sig)])


# -- key material ----------------------------------------------------------------

PEM_KINDS = {
    # label, DER head (sequence + version), body bytes
    "RSA PRIVATE KEY": (b"\x30\x82\x04\xa4\x02\x01\x00\x02\x82\x01\x01\x00", 1190),
    "PRIVATE KEY": (b"\x30\x82\x04\xbe\x02\x01\x00\x30\x0d\x06\x09\x2a\x86\x48", 1210),
    "EC PRIVATE KEY": (b"\x30\x77\x02\x01\x01\x04\x20", 114),
    "OPENSSH PRIVATE KEY": (b"openssh-key-v1\x00\x00\x00\x00\x04none", 380),
}


def pem(rng: random.Random, label: str | None = None) -> tuple[str, str]:
    """(PEM block, one body line) for a private key of a common kind."""
    label = label or rng.choice(list(PEM_KINDS))
    head, size = PEM_KINDS[label]
    body = base64.b64encode(head + rng.randbytes(size)).decode()
    width = 70 if label.startswith("OPENSSH") else 64
    lines = [body[i : i + width] for i in range(0, len(body), width)]
    return "\n".join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"]), lines[2]


def gcp_service_account(rng: random.Random) -> tuple[dict[str, str], str]:
    """(service-account key file as a dict, one body line of its private key)."""
    project = f"{rng.choice(['analytics', 'ml', 'etl', 'rag'])}-{pick(rng, LOWER + DIGITS, 6)}"
    account = rng.choice(["notebook-runner", "bq-reader", "vertex-sa", "etl"])
    key, body_line = pem(rng, "PRIVATE KEY")
    email = f"{account}@{project}.iam.gserviceaccount.com"
    return {
        "type": "service_account",
        "project_id": project,
        "private_key_id": pick(rng, HEX, 40),
        "private_key": key + "\n",
        "client_email": email,
        "client_id": pick(rng, DIGITS, 21),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
        + email.replace("@", "%40"),
        "universe_domain": "googleapis.com",
    }, body_line


def azure_storage_connection(rng: random.Random) -> str:
    account = pick(rng, LOWER + DIGITS, rng.randint(6, 16))
    key = base64.b64encode(rng.randbytes(64)).decode()
    return (
        f"DefaultEndpointsProtocol=https;AccountName={account};AccountKey={key};"
        "EndpointSuffix=core.windows.net"
    )


# -- passwords ----------------------------------------------------------------------

WORDS = [
    "granite", "lantern", "orchid", "saffron", "velvet", "harbour", "quartz", "meadow",
    "cobalt", "juniper", "tundra", "falcon", "ember", "glacier", "pepper", "atlas",
]  # fmt: skip
CITIES = ["Denver", "Lisbon", "Oslo", "Quito", "Nairobi", "Osaka", "Porto", "Tulsa"]


def password(rng: random.Random, symbols: str = "!@#%^*-_=+.?") -> str:
    """A password as people and password managers make them; ``symbols``: what the context allows."""
    style = rng.randrange(5)
    sym = rng.choice(symbols) if symbols else ""
    if style == 0:  # password manager
        alphabet = ALNUM + symbols
        while True:
            value = pick(rng, alphabet, rng.randint(14, 24))
            if any(c.isdigit() for c in value) and any(c.isupper() for c in value):
                return value
    if style == 1:  # passphrase
        words = rng.sample(WORDS, rng.randint(3, 4))
        return "-".join(words) + "-" + str(rng.randint(10, 99))
    if style == 2:  # human
        return rng.choice(CITIES) + sym + str(rng.randint(1960, 2030)) + pick(rng, LOWER, 2)
    if style == 3:  # generated by a cloud console (Neo4j Aura, Atlas): base64url
        return pick(rng, URLSAFE, rng.choice([24, 32, 43]))
    return (
        pick(rng, LOWER, 4) + sym + pick(rng, DIGITS, 3) + pick(rng, UPPER, 3) + pick(rng, LOWER, 2)
    )


# -- families ----------------------------------------------------------------------

# family -> (generator, python names, environment variable names, vendor)
TOKENS = {
    "aws": (aws_key_id, ["aws_access_key_id", "access_key"], ["AWS_ACCESS_KEY_ID"], "AWS"),
    "github": (github, ["github_token", "gh_token", "token"], ["GITHUB_TOKEN", "GH_TOKEN"], "GitHub"),
    "gitlab": (gitlab, ["gitlab_token", "private_token"], ["GITLAB_TOKEN", "CI_JOB_TOKEN"], "GitLab"),
    "slack_token": (slack_token, ["slack_token", "bot_token"], ["SLACK_BOT_TOKEN"], "Slack"),
    "slack_webhook": (slack_webhook, ["webhook_url", "slack_webhook"], ["SLACK_WEBHOOK_URL"], "Slack"),
    "stripe": (stripe, ["stripe_key", "api_key"], ["STRIPE_SECRET_KEY", "STRIPE_API_KEY"], "Stripe"),
    "openai": (openai, ["openai_api_key", "api_key", "key"], ["OPENAI_API_KEY"], "OpenAI"),
    "anthropic": (anthropic, ["anthropic_api_key", "api_key"], ["ANTHROPIC_API_KEY"], "Anthropic"),
    "huggingface": (huggingface, ["hf_token", "token", "HUGGINGFACEHUB_API_TOKEN"], ["HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"], "Hugging Face"),
    "google_api": (google_api, ["google_api_key", "api_key", "GEMINI_API_KEY"], ["GOOGLE_API_KEY", "GEMINI_API_KEY"], "Google"),
    "sendgrid": (sendgrid, ["sendgrid_api_key", "sg_key"], ["SENDGRID_API_KEY"], "SendGrid"),
    "npm": (npm, ["npm_token"], ["NPM_TOKEN", "NODE_AUTH_TOKEN"], "npm"),
    "pypi": (pypi, ["pypi_token", "password"], ["TWINE_PASSWORD", "PYPI_TOKEN"], "PyPI"),
    "databricks": (databricks, ["databricks_token", "token"], ["DATABRICKS_TOKEN"], "Databricks"),
    "jwt": (jwt, ["api_key", "access_token", "id_token"], ["QDRANT_API_KEY", "SUPABASE_KEY", "ACCESS_TOKEN"], ""),
}  # fmt: skip
PASSWORD_NAMES = [
    "password",
    "db_password",
    "pwd",
    "passwd",
    "smtp_password",
    "neo4j_password",
    "pg_pass",
]
PASSWORD_ENVS = ["DB_PASSWORD", "PGPASSWORD", "MYSQL_PWD", "SMTP_PASSWORD", "NEO4J_PASSWORD"]


def token(rng: random.Random, family: str) -> Value:
    gen, names, envs, vendor = TOKENS[family]
    return Value(family, True, "token", gen(rng), rng.choice(names), rng.choice(envs), vendor)


def secret_password(rng: random.Random, symbols: str = "!@#%^*-_=+.?") -> Value:
    name, env = rng.choice(PASSWORD_NAMES), rng.choice(PASSWORD_ENVS)
    return Value("plain_password", True, "password", password(rng, symbols), name, env)


def aws_secret_value(rng: random.Random) -> Value:
    return Value(
        "aws",
        True,
        "aws_secret",
        aws_secret(rng),
        "aws_secret_access_key",
        "AWS_SECRET_ACCESS_KEY",
        "AWS",
    )
