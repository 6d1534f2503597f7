"""Fake secrets, generated at test time (never real, never stored in the repo)."""

from __future__ import annotations

import base64
import json
import random
import string
from collections.abc import Callable

from jupyter_secrets.scanner.detectors.checksums import make_token

ALNUM = string.ascii_letters + string.digits
UPPER_DIGITS = string.ascii_uppercase + string.digits
HEX = "0123456789abcdef"
URLSAFE = ALNUM + "_-"


class Fakes:
    """One generator per detector; seeded so golden files are reproducible."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)

    def rand(self, chars: str, n: int) -> str:
        # Start alphanumeric and end with a digit (random parts do not end in
        # '-', and a digit keeps an "...example"/"...test" ending impossible).
        body = "".join(self.rng.choice(chars) for _ in range(n))
        alnum = [c for c in chars if c.isalnum()]
        digits = [c for c in chars if c.isdigit()] or alnum
        return self.rng.choice(alnum) + body[1:-1] + self.rng.choice(digits) if n > 2 else body

    def aws(self) -> str:
        return "AKIA" + self.rand(UPPER_DIGITS, 16)

    def openai(self) -> str:
        return "sk-proj-" + self.rand(URLSAFE, 64) + "T3BlbkFJ" + self.rand(URLSAFE, 64)

    def anthropic(self) -> str:
        return "sk-ant-api03-" + self.rand(URLSAFE, 93) + "AA"

    def huggingface(self) -> str:
        return "hf_" + "aB" + self.rand(ALNUM, 32)

    def databricks(self) -> str:
        return "dapi" + self.rand(HEX, 32)

    def github(self) -> str:
        return make_token("ghp", self.rand(ALNUM, 30))

    def github_pat(self) -> str:
        return "github_pat_" + self.rand(ALNUM, 22) + "_" + self.rand(ALNUM, 59)

    def gitlab(self) -> str:
        return "glpat-" + self.rand(URLSAFE, 20)

    def google_api_key(self) -> str:
        return "AIza" + self.rand(URLSAFE, 35)

    def npm(self) -> str:
        return make_token("npm", self.rand(ALNUM, 30))

    def pypi(self) -> str:
        return "pypi-AgEIcHlwaS5vcmc" + self.rand(URLSAFE, 70)

    def sendgrid(self) -> str:
        return "SG." + self.rand(URLSAFE, 22) + "." + self.rand(URLSAFE, 43)

    def twilio(self) -> str:
        return "SK" + self.rand(HEX, 32)

    def slack_webhook(self) -> str:
        return (
            "https://hooks.slack.com/services/T"
            + self.rand(UPPER_DIGITS, 8)
            + "/B"
            + self.rand(UPPER_DIGITS, 8)
            + "/"
            + self.rand(ALNUM, 24)
        )

    def slack(self) -> str:
        return f"xoxb-{self.rand(string.digits, 11)}-{self.rand(string.digits, 12)}-{self.rand(ALNUM, 24)}"

    def stripe(self) -> str:
        return "sk_live_" + self.rand(ALNUM, 24)

    def jwt(self) -> str:
        def b64(obj: dict[str, object]) -> str:
            return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")

        return (
            b64({"alg": "HS256", "typ": "JWT"})
            + "."
            + b64({"sub": self.rand(string.digits, 8), "name": "x"})
            + "."
            + self.rand(URLSAFE, 43)
        )

    def private_key(self) -> str:
        body = base64.b64encode(self.rng.randbytes(600)).decode()
        lines = [body[i : i + 64] for i in range(0, len(body), 64)]
        return (
            "-----BEGIN RSA PRIVATE KEY-----\n"  # pragma: allowlist secret
            + "\n".join(lines)
            + "\n-----END RSA PRIVATE KEY-----"
        )

    def gcp_service_account(self) -> str:
        pem = self.private_key().replace("RSA PRIVATE", "PRIVATE")
        return json.dumps(
            {
                "type": "service_account",
                "project_id": "demo-project",
                "private_key_id": self.rand(HEX, 40),
                "private_key": pem + "\n",
                "client_email": "svc@demo-project.iam.gserviceaccount.com",
            },
            indent=2,
        )

    def azure_key(self) -> str:
        return base64.b64encode(self.rng.randbytes(64)).decode()

    def password(self) -> str:
        return self.rand(string.ascii_letters, 7) + self.rand(string.digits, 2) + "!"


def detector_cases(f: Fakes) -> list[tuple[str, str, Callable[[], str]]]:
    """(detector name, line template with {s}, secret generator)."""
    return [
        ("aws", 'key_id = "{s}"', f.aws),
        ("openai", 'client = OpenAI(api_key="{s}")', f.openai),
        ("anthropic", 'anthropic.Anthropic(api_key="{s}")', f.anthropic),
        ("huggingface", 'login("{s}")', f.huggingface),
        ("databricks", 'host_token = "{s}"', f.databricks),
        ("github", 'gh = Github("{s}")', f.github),
        ("github", 'gh = Github("{s}")', f.github_pat),
        ("gitlab", "gl = Gitlab(url, private_token='{s}')", f.gitlab),
        ("google_api_key", "genai.configure(api_key='{s}')", f.google_api_key),
        ("npm", "//registry.npmjs.org/:_authToken={s}", f.npm),
        ("pypi", "twine upload -u __token__ -p {s} dist/*", f.pypi),
        ("sendgrid", "sg = SendGridAPIClient('{s}')", f.sendgrid),
        ("twilio", "client = Client(sid, '{s}')", f.twilio),
        ("slack_webhook", "requests.post('{s}', json=msg)", f.slack_webhook),
        ("slack", "WebClient(token='{s}')", f.slack),
        ("stripe", "stripe.api_key = '{s}'", f.stripe),
        ("jwt", "headers = {{'Authorization': 'Bearer {s}'}}", f.jwt),
        ("private_key", "{s}", f.private_key),
    ]


def dotted_password(f: Fakes) -> str:
    """A human password with a dot (``willow.Harbor12``): not a dotted code reference."""
    word = "".join(f.rng.choice(string.ascii_lowercase) for _ in range(6))
    other = "".join(f.rng.choice(string.ascii_lowercase) for _ in range(5)).capitalize()
    return f"{word}.{other}{f.rand(string.digits, 2)}"


def aws_secret_key(f: Fakes) -> str:
    """40 base64 characters with every character class, like a real secret access key."""
    return "aB3/" + f.rand(ALNUM + "/+", 36)


def discord_token(f: Fakes) -> str:
    """A Discord bot token: base64url of a 17-19 digit user id, a timestamp, an HMAC."""
    user_id = str(f.rng.randrange(10**17, 10**19))
    head = base64.urlsafe_b64encode(user_id.encode()).decode().rstrip("=")
    return f"{head}.{f.rand(URLSAFE, 6)}.{f.rand(URLSAFE, 38)}"


def hex_token(f: Fakes, n: int = 32) -> str:
    return "a1" + f.rand(HEX, n - 2)
