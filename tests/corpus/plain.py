"""Plain text files (.py, .env, .yaml, ...) with planted values, one renderer per format."""

from __future__ import annotations

import json
import random
from collections.abc import Callable

from . import render
from .fakes import Fake
from .filler import CODE
from .model import Snippet, Text

EXTENSIONS = [
    ".py",
    ".env",
    ".yaml",
    ".json",
    ".ini",
    ".sql",
    ".sh",
    ".md",
    ".txt",
    ".toml",
    ".cfg",
]


def _escaped(fake: Fake) -> str:
    return json.dumps(fake.text)[1:-1]


def _py(fake: Fake, rng: random.Random) -> Snippet:
    return render.code(fake, rng) if fake.expr or rng.random() < 0.8 else render.raw(fake, rng)


def _env(fake: Fake, rng: random.Random) -> Snippet:
    if fake.multiline:
        return Snippet([f'{fake.env}="{_escaped(fake)}"'], 0, 0, fake.needle)
    quote = rng.choice(["", '"', "'"])
    return Snippet([f"{fake.env}={quote}{fake.text}{quote}"], 0, 0, fake.text)


def _yaml(fake: Fake, rng: random.Random) -> Snippet:
    if fake.multiline:
        body = "\n".join("    " + line for line in fake.text.split("\n"))
        return Snippet.around([f"  {fake.name}: |"], body, [], fake.needle)
    quote = rng.choice(["", '"'])
    return Snippet([f"  {fake.name}: {quote}{fake.text}{quote}"], 0, 0, fake.text)


def _json(fake: Fake, rng: random.Random) -> Snippet:
    if fake.family == "gcp_service_account":
        body = "\n".join("  " + line for line in fake.text.split("\n"))
        return Snippet.around(['  "credentials":'], body + ",", [], fake.needle)
    return Snippet([f'  "{fake.name}": "{_escaped(fake)}",'], 0, 0, fake.needle)


def _ini(fake: Fake, rng: random.Random) -> Snippet:
    if fake.multiline:  # configparser continuation lines are indented
        body = "\n".join(
            ("" if i == 0 else "    ") + line for i, line in enumerate(fake.text.split("\n"))
        )
        return Snippet.around([], f"{fake.name} = {body}", [], fake.needle)
    return Snippet([f"{fake.name} = {fake.text}"], 0, 0, fake.text)


def _sql(fake: Fake, rng: random.Random) -> Snippet:
    if fake.multiline:
        return Snippet.around(["/* key for the external stage:"], fake.text, ["*/"], fake.needle)
    text = fake.text
    if fake.family in ("plain_password", "default_password"):
        return Snippet([f"CREATE USER etl WITH PASSWORD '{text}';"], 0, 0, text)
    if fake.family == "aws" and fake.name == "aws_secret_access_key":
        line = f"  CREDENTIALS = (AWS_KEY_ID = 'AKIA' AWS_SECRET_KEY = '{text}')"
        return Snippet([line], 0, 0, text)
    return Snippet([f"-- {fake.name}: {text}"], 0, 0, text)


def _sh(fake: Fake, rng: random.Random) -> Snippet:
    if fake.multiline:
        return Snippet.around(["cat > key.pem <<'EOF'"], fake.text, ["EOF"], fake.needle)
    text = fake.text
    forms = [f'export {fake.env}="{text}"', f"{fake.env}='{text}' python run_job.py"]
    if fake.self_id:
        forms.append(f'curl -s -H "Authorization: Bearer {text}" https://api.example.com/v1/jobs')
    if "://" in text:
        forms.append(
            f"git clone {text}" if text.startswith("https") else f'psql "{text}" -c "select 1"'
        )
    return Snippet([rng.choice(forms)], 0, 0, text)


def _txt(fake: Fake, rng: random.Random) -> Snippet:
    if fake.multiline:
        return Snippet.around(["2024-05-01 12:00:01 DEBUG loaded key:"], fake.text, [], fake.needle)
    return Snippet(
        [f"2024-05-01 12:00:0{rng.randrange(10)} INFO {fake.name}={fake.text}"], 0, 0, fake.text
    )


def _toml(fake: Fake, rng: random.Random) -> Snippet:
    if fake.multiline:
        return Snippet.around([], f'{fake.name} = """{fake.text}"""', [], fake.needle)
    return Snippet([f'{fake.name} = "{_escaped(fake)}"'], 0, 0, fake.needle)


RENDERERS: dict[str, Callable[[Fake, random.Random], Snippet]] = {
    ".py": _py, ".env": _env, ".yaml": _yaml, ".json": _json, ".ini": _ini, ".cfg": _ini,
    ".sql": _sql, ".sh": _sh, ".md": render.markdown, ".txt": _txt, ".toml": _toml,
}  # fmt: skip

FILLER: dict[str, list[str]] = {
    ".py": CODE,
    ".env": ["LOG_LEVEL=info", "PORT=8080", "WORKERS=4", "REGION=eu-west-1", "DEBUG=false"],
    ".yaml": ["  host: db.internal", "  port: 5432", "  pool_size: 10", "  timeout: 30"],
    ".json": ['  "region": "eu-west-1",', '  "retries": 3,', '  "bucket": "raw-landing",'],
    ".ini": ["host = db.internal", "port = 5432", "timeout = 30", "use_ssl = true"],
    ".cfg": ["max-line-length = 100", "host = db.internal", "retries = 3"],
    ".sql": ["SELECT region, SUM(amount) FROM orders GROUP BY region;", "-- nightly rollup",
             "CREATE INDEX idx_orders_date ON orders(order_date);"],
    ".sh": ["set -euo pipefail", 'echo "starting export"', "python -m etl.run --date \"$1\""],
    ".md": ["## Setup", "Run the notebook top to bottom.", "The export lands in `s3://raw-landing/`."],
    ".txt": ["2024-05-01 12:00:00 INFO job started", "2024-05-01 12:00:02 INFO 48213 rows loaded"],
    ".toml": ['name = "etl"', "retries = 3", 'region = "eu-west-1"'],
}  # fmt: skip

HEADERS = {
    ".yaml": ["database:"],
    ".json": ["{"],
    ".ini": ["[database]"],
    ".cfg": ["[etl]"],
    ".toml": ["[database]"],
}
FOOTERS = {".json": ['  "version": 1', "}"]}


def build(ext: str, plants: list[Fake], rng: random.Random) -> Text:
    """A file of format ``ext`` with each fake planted between filler lines."""
    text = Text()
    text.add(*HEADERS.get(ext, []))
    for fake in plants:
        text.add(*(rng.choice(FILLER[ext]) for _ in range(rng.randrange(1, 6))))
        text.plant(RENDERERS[ext](fake, rng), fake.family, fake.positive, context=f"file:{ext}")
    text.add(*(rng.choice(FILLER[ext]) for _ in range(rng.randrange(1, 6))))
    text.add(*FOOTERS.get(ext, []))
    return text
