"""The context templates and which values each one takes.

A template renders one value into pieces for a carrier; ``kinds`` are the
value kinds it accepts (see ``plant.draw_value``), ``symbols`` the password
characters that survive its syntax unquoted (a shell flag takes no ``$``, a
URI only unreserved characters, a YAML plain scalar no ``#`` or ``*``...).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from . import code_contexts as code
from . import text_contexts as text
from .pieces import Piece
from .values import Value

Render = Callable[[random.Random, Value], list[Piece]]
PY = "!@#%^*-_=+.?"  # inside a Python string literal
SHELL = "-_.+=@%^"
DOTENV = "-_.+=@%^"
YAML = "-_.+="
INI = "-_.+=@^!*?"
URI = "-_.~"
LOGIN = "-_.+@%^!*?"  # also a libpq DSN (space-separated key=value)
ODBC = "-_.+@^!*?"

TOKEN, PASSWORD = "token", "password"
NEG_TOKEN, NEG_PASSWORD = "neg_token", "neg_password"
SHAPED = ("hash", "uuid", "pagination", "tokenizer")


@dataclass(frozen=True)
class Template:
    name: str
    carrier: str
    render: Render
    kinds: tuple[str, ...]
    symbols: str = PY
    # token families whose values make no sense here (a webhook URL is no Bearer token)
    skip_families: tuple[str, ...] = ()


def _t(name: str, carrier: str, render: Render, kinds: tuple[str, ...], symbols: str = PY,
       skip: tuple[str, ...] = ()) -> Template:  # fmt: skip
    return Template(name, carrier, render, kinds, symbols, skip)


NOT_BEARER = ("slack_webhook", "aws")
TEMPLATES = [
    # code cells
    _t("assign", "code", code.assign, (TOKEN, PASSWORD, "aws_secret", NEG_TOKEN, NEG_PASSWORD)),
    _t("environ", "code", code.environ, (TOKEN, PASSWORD, NEG_TOKEN, NEG_PASSWORD), DOTENV),
    _t("config_dict", "code", code.config_dict, (TOKEN, PASSWORD, NEG_TOKEN, NEG_PASSWORD)),
    _t("client", "code", code.client, (TOKEN, NEG_TOKEN)),
    _t("header", "code", code.header, (TOKEN, NEG_TOKEN), skip=NOT_BEARER),
    _t("shell_flag", "code", code.shell, (TOKEN, PASSWORD, NEG_TOKEN, NEG_PASSWORD), SHELL),
    _t("getenv_default", "code", code.getenv_default, (TOKEN, PASSWORD, NEG_TOKEN, NEG_PASSWORD)),
    _t("comment", "code", code.comment, (TOKEN, NEG_TOKEN)),
    _t("default_argument", "code", code.default_argument, (PASSWORD, NEG_PASSWORD)),
    _t("dotenv_string", "code", code.dotenv_file, (TOKEN, PASSWORD, NEG_TOKEN), DOTENV),
    _t("yaml_string", "code", code.yaml_string, (TOKEN, PASSWORD, NEG_PASSWORD), YAML),
    _t("ini_string", "code", code.ini_string, (TOKEN, PASSWORD), INI),
    _t("login_positional", "code", code.login_call, (PASSWORD, NEG_PASSWORD), LOGIN),
    _t("uri", "code", code.uri, (PASSWORD, NEG_PASSWORD), URI),
    _t("jdbc_odbc", "code", code.connection_string, (PASSWORD,), ODBC),
    _t("azure_connection", "code", code.azure_connection, ("azure",)),
    _t("aws_pair", "code", code.aws_pair, ("aws_pair",)),
    _t("aws_secret", "code", code.aws_secret_assign, ("aws_secret", "neg_aws_secret")),
    _t("twilio_pair", "code", code.twilio_pair, ("twilio_pair",)),
    _t("pem_literal", "code", code.pem_literal, ("pem",)),
    _t("service_account", "code", code.service_account_dict, ("sa",)),
    _t("echo", "code", code.echo, (TOKEN, PASSWORD)),
    _t("shaped_code", "code", code.negative_assign, (*SHAPED, "reference")),
    # markdown and raw cells
    _t("prose", "markdown", text.prose, (TOKEN, PASSWORD, NEG_TOKEN, NEG_PASSWORD)),
    _t("password_table", "markdown", text.password_table, (TOKEN, PASSWORD, NEG_PASSWORD)),
    _t("fenced_export", "markdown", text.fenced_export, (TOKEN, PASSWORD, NEG_TOKEN), SHELL),
    _t("fenced_key", "markdown", text.fenced_block, ("pem", "sa")),
    _t("raw_config", "raw", text.raw_env, (TOKEN, PASSWORD, NEG_TOKEN), YAML),
    _t("raw_key", "raw", text.raw_block, ("pem", "sa")),
    # outputs
    _t("stdout_line", "stdout", text.stdout_line, (TOKEN, PASSWORD, NEG_TOKEN, NEG_PASSWORD)),
    _t("stdout_key", "stdout", text.stdout_block, ("pem", "sa")),
    _t("truncated_pem", "stdout", text.truncated_pem, ("pem",)),
    _t("result_repr", "text/plain", text.result_repr, (TOKEN, PASSWORD, NEG_TOKEN)),
    _t("html_row", "html_row", text.html_row, (TOKEN,)),
    _t("dataframe", "table", text.dataframe, (TOKEN, PASSWORD, NEG_PASSWORD)),
    _t("traceback_frame", "traceback", text.traceback_frame, (TOKEN, PASSWORD), skip=NOT_BEARER),
    _t("shaped_output", "stdout", text.negative_output, SHAPED),
    # metadata
    _t("cell_metadata", "cell_metadata", text.cell_metadata, (TOKEN, PASSWORD, NEG_TOKEN)),
    _t("nb_metadata", "nb_metadata", text.notebook_metadata, (TOKEN, PASSWORD, NEG_TOKEN)),
]
BY_NAME = {t.name: t for t in TEMPLATES}
POSITIVE_KINDS = (TOKEN, PASSWORD, "aws_secret", "azure", "aws_pair", "twilio_pair", "pem", "sa")
NEGATIVE_KINDS = (NEG_TOKEN, NEG_PASSWORD, "neg_aws_secret", "reference", *SHAPED)
