"""Render a Fake into the lines of one context: code, markdown, an output mimetype...

Each renderer returns a ``Snippet``: the lines to insert, which of them hold the
value, and the needle exactly as written there (HTML-escaped in HTML).
Values without a recognisable shape (``self_id`` false) always get a
credential-like name next to them; only recognisable ones appear bare.
"""

from __future__ import annotations

import random

from .fakes import Fake
from .model import Snippet


def esc_html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _literal(fake: Fake) -> str:
    """The value as Python writes it in a repr or a code line (quoted, newlines escaped)."""
    return fake.text if fake.bare or fake.expr else repr(fake.text)


def code(fake: Fake, rng: random.Random) -> Snippet:
    name, text, env = fake.name, fake.text, fake.env
    if text.startswith("%"):  # IPython line magic, alone or assigned (`x = %secret ref`)
        return Snippet([rng.choice([text, f"{name} = {text}"])], 0, 0, text)
    if fake.expr or fake.bare:
        form = rng.choice(
            [
                f"{name} = {text}",
                f'conn = psycopg2.connect(host="db.internal", user="etl", password={text})',
                f"client = OpenAI(api_key={text})",
            ]
        )
        return Snippet([form], 0, 0, text)
    if fake.multiline:
        if text.lstrip().startswith("{"):
            return Snippet.around([], f"{name} = {text}", [], fake.needle)
        return Snippet.around([], f'{name} = """{text}"""', [], fake.needle)
    forms = [
        f'{name} = "{text}"',
        f"{name} = '{text}'",
        f'{name.upper()} = "{text}"  # rotate before sharing',
        f'config = {{"{name}": "{text}", "timeout": 30}}',
        f'os.environ["{env}"] = "{text}"',
        f"%env {env}={text}",
        f'payload = "{{\\"{name}\\": \\"{text}\\"}}"',
        f'creds = json.loads(\'{{"{name}": "{text}"}}\')',
    ]
    if fake.family in ("plain_password", "default_password"):
        forms.append(f'conn = psycopg2.connect(host="db.internal", user="etl", password="{text}")')
    elif "://" in text:
        forms.append(f'engine = create_engine("{text}")')
        if text.startswith("https://"):
            forms += [f"!pip install --index-url {text} acme-utils", f"!git clone {text}"]
    else:
        forms.append(f'client = Client({name}="{text}", timeout=30)')
    if fake.self_id and "://" not in text:
        forms += [
            f'headers = {{"Authorization": "Bearer {text}"}}',
            f'!curl -s -H "Authorization: token {text}" https://api.example.com/v1/me',
            f"# old key, keep for now: {text}",
        ]
    return Snippet([rng.choice(forms)], 0, 0, text)


def markdown(fake: Fake, rng: random.Random) -> Snippet:
    if fake.expr:
        return Snippet(["```python", f"{fake.name} = {fake.text}", "```"], 1, 1, fake.text)
    if fake.multiline:
        return Snippet.around(["Key used by the job:", "", "```"], fake.text, ["```"], fake.needle)
    text = fake.text
    # Prose ("connect with the password `x`") only for values recognisable on their own.
    form = rng.randrange(3) if fake.self_id else rng.randrange(1, 3)
    if form == 0:
        return Snippet(
            [f"Connect with the {fake.name} `{text}` (rotate after the demo)."], 0, 0, text
        )
    if form == 1:
        return Snippet(["```bash", f"export {fake.env}={text}", "```"], 1, 1, text)
    return Snippet(["| setting | value |", "|---|---|", f"| {fake.name} | `{text}` |"], 2, 2, text)


def raw(fake: Fake, rng: random.Random) -> Snippet:
    if fake.expr:
        return Snippet([f"{fake.name} = {fake.text}"], 0, 0, fake.text)
    if fake.multiline:
        return Snippet.around([], fake.text, [], fake.needle)
    if rng.random() < 0.5:
        return Snippet([f"{fake.name}: {fake.text}"], 0, 0, fake.text)
    return Snippet([f"{fake.env}={fake.text}"], 0, 0, fake.text)


def stdout(fake: Fake, rng: random.Random) -> Snippet:
    if fake.multiline:
        return Snippet.around([], fake.text, [], fake.needle)
    text = fake.text
    forms = [
        f"{fake.name}={text}",
        f"Using {fake.name}: {text}",
        f"{{'{fake.name}': {_literal(fake)}, 'region': 'eu-west-1'}}",
    ]
    if fake.self_id:
        forms += [text, f"Connecting with {text} ..."]
    return Snippet([rng.choice(forms)], 0, 0, text)


def stderr(fake: Fake, rng: random.Random) -> Snippet:
    if fake.multiline:
        return Snippet.around(["WARNING:root:loaded key material:"], fake.text, [], fake.needle)
    text = fake.text
    forms = [
        f"WARNING:root:retrying request with {fake.name}={text}",
        f"2024-05-01 12:00:03,114 DEBUG [client] {fake.env}={text}",
    ]
    if fake.self_id:
        forms.append(f"2024-05-01 12:00:04,009 INFO [auth] Authorization: Bearer {text}")
    return Snippet([rng.choice(forms)], 0, 0, text)


def text_plain(fake: Fake, rng: random.Random) -> Snippet:
    value = _literal(fake)
    if fake.self_id and rng.random() < 0.5:
        return Snippet([value], 0, 0, fake.needle)
    return Snippet([f"{{'{fake.name}': {value},", " 'timeout': 30}"], 0, 0, fake.needle)


def text_html(fake: Fake, rng: random.Random) -> Snippet:
    if fake.multiline:
        return Snippet.around(["<pre>"], esc_html(fake.text), ["</pre>"], esc_html(fake.needle))
    text = esc_html(fake.text)
    if fake.self_id and rng.random() < 0.5:
        return Snippet(["<p>Token in use:</p>", f"<code>{text}</code>"], 1, 1, text)
    return Snippet([f"<pre>{fake.name}={text}</pre>"], 0, 0, text)


def text_markdown(fake: Fake, rng: random.Random) -> Snippet:
    if fake.multiline:
        return Snippet.around(["```"], fake.text, ["```"], fake.needle)
    return Snippet([f"**{fake.name}**: `{fake.text}`"], 0, 0, fake.text)


def text_latex(fake: Fake, rng: random.Random) -> Snippet:
    if fake.multiline:
        return Snippet.around([r"\begin{verbatim}"], fake.text, [r"\end{verbatim}"], fake.needle)
    if fake.self_id and rng.random() < 0.5:
        return Snippet([rf"$\verb|{fake.text}|$"], 0, 0, fake.text)
    return Snippet([rf"\verb|{fake.name}={fake.text}|"], 0, 0, fake.text)


def json_value(fake: Fake, rng: random.Random) -> dict[str, object]:
    return {"status": "ok", "config": {fake.name: fake.text, "retries": rng.randrange(1, 5)}}


# IPython 9 traceback colours.
RED, GREEN, RESET, OP, STR = (
    "\x1b[0;31m",
    "\x1b[0;32m",
    "\x1b[0m",
    "\x1b[38;5;241m",
    "\x1b[38;5;124m",
)


def error(fake: Fake, rng: random.Random, in_frame: bool) -> tuple[str, str, list[str]]:
    """(ename, evalue, traceback) holding the value in evalue or in a frame's code line."""
    ename = rng.choice(["ValueError", "OperationalError", "HTTPError", "AuthenticationError"])
    value = _literal(fake)
    if in_frame:
        evalue = rng.choice(["connection refused", "401 Client Error: Unauthorized", "timed out"])
        frame_code = f"client {OP}={RESET} connect({fake.name}{OP}={RESET}{STR}{value}{RESET})"
    else:
        forms = [f"invalid {fake.name}: {value}"]
        if fake.self_id:  # a bare value in a message only when it is recognisable alone
            forms.append(f"could not authenticate with {fake.text}")
        evalue = rng.choice(forms)
        frame_code = f"client {OP}={RESET} connect(timeout{OP}={RESET}30)"
    traceback = [
        f"{RED}{'-' * 75}{RESET}",
        f"{RED}{ename}{RESET}                                Traceback (most recent call last)",
        f"Cell {GREEN}In[{rng.randrange(2, 40)}], line 3{RESET}\n"
        f"{GREEN}      1{RESET} import client\n{GREEN}----> 3{RESET} {frame_code}\n",
        f"{RED}{ename}{RESET}: {evalue}",
    ]
    return ename, evalue, traceback
