"""Hard negatives: values that look like credentials in credential-shaped places but are not.

Families (the labels' ``family``): ``documented_sample`` (vendors' published
example keys), ``placeholder`` (``<your-key>``, ``AKIA...``, ``{{ token }}``,
``xxxx``), ``fake_saying`` (values that say they are fake), ``hash``,
``uuid``, ``pagination`` (API page cursors), ``tokenizer`` (special tokens of
language-model tokenizers), ``reference`` (code that fetches the value) and
``masked`` (a value shown masked). A scanner that flags one pays in precision.
"""

from __future__ import annotations

import base64
import random

from .values import ALNUM, HEX, LOWER, TOKENS, UPPER, Value, pick

# Published in the vendors' own documentation (AWS IAM guide, jwt.io, Stripe API docs,
# the Slack SDK docs): public, and never accepted by the live service.
AWS_DOC_KEY_ID = "AKIAIOSFODNN7EXAMPLE"  # pragma: allowlist secret
AWS_DOC_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # pragma: allowlist secret
JWT_IO_SAMPLE = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0"  # pragma: allowlist secret
    "IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"  # pragma: allowlist secret
)
STRIPE_DOC_TEST_KEY = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"  # pragma: allowlist secret
SLACK_DOC_TOKEN = "xoxb-not-a-real-token-this-will-not-work"  # pragma: allowlist secret

DOC_SAMPLES = {
    "aws": [AWS_DOC_KEY_ID],
    "jwt": [JWT_IO_SAMPLE],
    "stripe": [STRIPE_DOC_TEST_KEY],
    "slack_token": [SLACK_DOC_TOKEN],
}
PREFIXES = {
    "aws": "AKIA", "github": "ghp_", "gitlab": "glpat-", "slack_token": "xoxb-", "stripe": "sk_live_",
    "openai": "sk-proj-", "anthropic": "sk-ant-api03-", "huggingface": "hf_", "google_api": "AIza",
    "sendgrid": "SG.", "npm": "npm_", "pypi": "pypi-", "databricks": "dapi", "jwt": "eyJ",
    "slack_webhook": "https://hooks.slack.com/services/",
}  # fmt: skip
GENERIC_PLACEHOLDERS = [
    "<your-key>", "<YOUR_API_KEY>", "YOUR_API_KEY", "your-api-key-here", "{{ token }}",
    "{{ secrets.API_TOKEN }}", "${API_TOKEN}", "xxxx", "xxxxxxxxxxxxxxxxxxxxxxxx", "<insert token>",
    "********", "[REDACTED]", "<TOKEN>", "paste-your-token-here",
]  # fmt: skip
PASSWORD_PLACEHOLDERS = [
    "<password>", "<your-password>", "your_password", "********", "${DB_PASSWORD}",
    "{{ db_password }}", "xxxx", "<PASSWORD>", "REPLACE_WITH_PASSWORD",
]  # fmt: skip
FAKE_SAYING = [
    "not-a-real-key", "fake-token-for-tests", "dummy-api-key", "this-is-not-a-secret",
    "test-key-do-not-use", "example-token-1234", "fake_password_for_ci", "dummy-password",
    "sk-fake-key-for-unit-tests", "hf_fake_token_for_docs",
]  # fmt: skip


def _token_slot(rng: random.Random, family: str, value: str, neg_family: str) -> Value:
    _gen, names, envs, vendor = TOKENS[family]
    return Value(neg_family, False, "neg_token", value, rng.choice(names), rng.choice(envs), vendor)


def placeholder_token(rng: random.Random) -> Value:
    family = rng.choice(sorted(PREFIXES))
    prefix = PREFIXES[family]
    value = rng.choice(
        [prefix + "...", prefix + "x" * rng.choice([8, 20, 36]), prefix + "X" * 16,
         f"<your-{family.replace('_', '-')}-key>", *GENERIC_PLACEHOLDERS]
    )  # fmt: skip
    return _token_slot(rng, family, value, "placeholder")


def placeholder_password(rng: random.Random) -> Value:
    value = rng.choice(PASSWORD_PLACEHOLDERS)
    return Value("placeholder", False, "neg_password", value, "password", "DB_PASSWORD")


def documented_sample(rng: random.Random) -> Value:
    family = rng.choice(sorted(DOC_SAMPLES))
    return _token_slot(rng, family, rng.choice(DOC_SAMPLES[family]), "documented_sample")


def documented_aws_secret() -> Value:
    return Value("documented_sample", False, "neg_aws_secret", AWS_DOC_SECRET,
                 "aws_secret_access_key", "AWS_SECRET_ACCESS_KEY", "AWS")  # fmt: skip


def fake_saying(rng: random.Random, password_slot: bool = False) -> Value:
    value = rng.choice(FAKE_SAYING)
    if password_slot:
        return Value("fake_saying", False, "neg_password", value, "password", "DB_PASSWORD")
    return _token_slot(rng, rng.choice(sorted(TOKENS)), value, "fake_saying")


def hash_value(rng: random.Random) -> str:
    style = rng.randrange(4)
    if style == 0:
        return pick(rng, HEX, 40)  # git commit, HF revision, sha1
    if style == 1:
        return pick(rng, HEX, 64)  # sha256
    if style == 2:
        return pick(rng, HEX, 32)  # md5
    return "$2b$12$" + pick(rng, "./" + ALNUM, 53)  # bcrypt


def uuid_value(rng: random.Random) -> str:
    h = pick(rng, HEX, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{rng.choice('89ab')}{h[17:20]}-{h[20:]}"


def pagination_value(rng: random.Random) -> str:
    style = rng.randrange(3)
    if style == 0:  # Google APIs: base64 of a protobuf cursor
        return base64.b64encode(b"\n$" + rng.randbytes(rng.randint(24, 40))).decode()
    if style == 1:  # Slack-style cursor: base64 of "kind:ID"
        cursor = f"{rng.choice(['user', 'channel', 'team'])}:{pick(rng, UPPER + '0123456789', 11)}"
        return base64.b64encode(cursor.encode()).decode()
    return pick(rng, ALNUM + "+/", rng.randint(40, 90)) + "=="  # AWS NextToken


TOKENIZER_TOKENS = [
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "[PAD]", "[CLS]", "[SEP]", "[MASK]",
    "<s>", "</s>", "<unk>", "<pad>", "<|begin_of_text|>", "<|eot_id|>", "<start_of_turn>",
]  # fmt: skip


def tokenizer_value(rng: random.Random) -> str:
    if rng.random() < 0.3:  # a DreamBooth-style rare token, as in diffusers notebooks
        return f"<{pick(rng, LOWER, 3)}>"
    return rng.choice(TOKENIZER_TOKENS)


REFERENCES = [
    ('os.environ["{env}"]', "{env}"),
    ('os.getenv("{env}")', "{env}"),
    ('userdata.get("{env}")', "{env}"),
    ('getpass.getpass("{env}: ")', "{env}"),
    ('dbutils.secrets.get(scope="prod", key="{name}")', "{name}"),
    ('%secret prod/warehouse/{name}', "{name}"),
]  # fmt: skip


def reference(rng: random.Random) -> Value:
    family = rng.choice(sorted(TOKENS))
    _gen, names, envs, vendor = TOKENS[family]
    name, env = rng.choice(names), rng.choice(envs)
    template, _ = rng.choice(REFERENCES)
    text = template.format(env=env, name=name)
    return Value("reference", False, "reference", text, name, env, vendor)


def masked(rng: random.Random) -> Value:
    family = rng.choice(sorted(PREFIXES))
    prefix = PREFIXES[family]
    value = rng.choice([prefix + "*" * 12 + pick(rng, ALNUM, 4), "*" * 8 + pick(rng, ALNUM, 4),
                        prefix[:3] + "..." + pick(rng, ALNUM, 4)])  # fmt: skip
    return _token_slot(rng, family, value, "masked")


def shaped(rng: random.Random, family: str) -> Value:
    """A hash, UUID, page cursor or tokenizer token under a plausible name."""
    if family == "hash":
        return Value("hash", False, "hash", hash_value(rng), "revision", "MODEL_REVISION")
    if family == "uuid":
        name = rng.choice(["run_id", "subscription_id", "tenant_id", "client_id", "request_id"])
        return Value("uuid", False, "uuid", uuid_value(rng), name, name.upper())
    if family == "pagination":
        name = rng.choice(["nextPageToken", "next_cursor", "NextToken", "page_token"])
        return Value("pagination", False, "pagination", pagination_value(rng), name, "PAGE_TOKEN")
    name = rng.choice(["pad_token", "eos_token", "bos_token", "instance_token", "special_token"])
    return Value("tokenizer", False, "tokenizer", tokenizer_value(rng), name, "TOKEN")
