"""Code-cell contexts: how people put credentials into notebook code.

Each function renders one value (``Value``) into lines for the ``code``
carrier. The forms are taken from what public notebooks and library docs
show users doing: assignments, ``os.environ``, config dicts, client
constructors, connection URIs, ``!`` shell lines with CLI flags, YAML / INI /
.env text in triple-quoted strings, login calls with positional passwords,
``getenv`` defaults, comments, and paired credentials passed positionally.
"""

from __future__ import annotations

import json
import random

from . import values
from .pieces import Mark, Piece, block, lines_piece
from .values import Value

HOSTS = [
    "db.internal",
    "10.0.12.7",
    "warehouse.acme-data.io",
    "pg-prod.c8x2k.eu-west-1.rds.amazonaws.com",
]


def assign(rng: random.Random, v: Value) -> list[Piece]:
    name = rng.choice([v.name, v.name.upper()])
    quote = rng.choice(['"', "'"])
    comment = rng.choice(["", "", "  # TODO: move to a vault", "  # prod"])
    return [lines_piece("code", [f"{name} = {quote}{v.text}{quote}{comment}"], 0, v)]


def environ(rng: random.Random, v: Value) -> list[Piece]:
    line = rng.choice([
        f'os.environ["{v.env}"] = "{v.text}"',
        f"os.environ['{v.env}'] = '{v.text}'",
        f'os.environ.setdefault("{v.env}", "{v.text}")',
        f"%env {v.env}={v.text}",
    ])  # fmt: skip
    lines = ["import os", line] if line.startswith("os") else [line]
    return [lines_piece("code", lines, len(lines) - 1, v)]


def config_dict(rng: random.Random, v: Value) -> list[Piece]:
    head = rng.choice(["config = {", "settings = {", "params = dict(", "CONFIG = {"])
    close = ")" if head.endswith("(") else "}"
    item = f'    {v.name}="{v.text}",' if close == ")" else f'    "{v.name}": "{v.text}",'
    other = "    timeout=30," if close == ")" else '    "timeout": 30,'
    first = (
        '    model="gpt-4o-mini",'
        if close == ")"
        else '    "endpoint": "https://api.acme-data.io/v2",'
    )
    return [lines_piece("code", [head, first, item, other, close], 2, v)]


CLIENTS = {
    "openai": ['client = OpenAI(api_key="{v}")', 'llm = ChatOpenAI(model="gpt-4o", openai_api_key="{v}")'],
    "anthropic": ['client = anthropic.Anthropic(api_key="{v}")'],
    "huggingface": ['login(token="{v}")', 'model = AutoModel.from_pretrained("acme/llm-7b", token="{v}")',
                    'api = HfApi(token="{v}")'],
    "google_api": ['genai.configure(api_key="{v}")', 'client = genai.Client(api_key="{v}")'],
    "github": ['g = Github("{v}")', 'gh = github.Github(auth=github.Auth.Token("{v}"))'],
    "gitlab": ['gl = gitlab.Gitlab("https://gitlab.com", private_token="{v}")'],
    "slack_token": ['client = WebClient(token="{v}")'],
    "stripe": ['stripe.api_key = "{v}"'],
    "sendgrid": ['sg = SendGridAPIClient("{v}")'],
    "databricks": ['w = WorkspaceClient(host="https://adb-4455.7.azuredatabricks.net", token="{v}")'],
    "jwt": ['client = QdrantClient(url="https://qdrant.acme-data.io:6333", api_key="{v}")',
            'supabase = create_client("https://xyzcompany.supabase.co", "{v}")'],
    "aws": ['s3 = boto3.client("s3", aws_access_key_id="{v}", region_name="eu-west-1")'],
    "npm": ['headers = {{"Authorization": "Bearer {v}"}}'],
    "pypi": ['subprocess.run(["twine", "upload", "-u", "__token__", "-p", "{v}", "dist/*"])'],
    "slack_webhook": ['requests.post("{v}", json={{"text": "nightly ETL finished"}})'],
}  # fmt: skip


def client(rng: random.Random, v: Value) -> list[Piece]:
    forms = CLIENTS.get(v.family) or CLIENTS.get(_vendor_family(v), [])
    if not forms:
        forms = ['client = Client(api_key="{v}")']
    return [lines_piece("code", [rng.choice(forms).format(v=v.text)], 0, v)]


def _vendor_family(v: Value) -> str:
    """The token family a negative stands in for (its name decides the client)."""
    for family, (_gen, names, envs, _vendor) in values.TOKENS.items():
        if v.name in names and v.env in envs:
            return family
    return ""


def header(rng: random.Random, v: Value) -> list[Piece]:
    line = rng.choice([
        f'headers = {{"Authorization": "Bearer {v.text}"}}',
        f'session.headers.update({{"Authorization": "token {v.text}"}})',
        f'resp = requests.get(url, headers={{"X-API-Key": "{v.text}"}}, timeout=30)',
    ])  # fmt: skip
    return [lines_piece("code", [line], 0, v)]


SHELL_TOKEN = {
    "huggingface": ["!huggingface-cli login --token {v}", "!hf auth login --token {v} --add-to-git-credential"],
    "github": ["!git clone https://{v}@github.com/acme-data/private-etl.git",
               "!pip install git+https://{v}@github.com/acme-data/internal-utils.git"],
    "gitlab": ["!git clone https://oauth2:{v}@gitlab.com/acme-data/etl.git"],
    "npm": ["!npm config set //registry.npmjs.org/:_authToken {v}"],
    "pypi": ["!twine upload -u __token__ -p {v} dist/*"],
    "aws": ["!aws configure set aws_access_key_id {v}"],
    "databricks": ["!DATABRICKS_TOKEN={v} databricks clusters list"],
    "slack_webhook": ["!curl -X POST -H 'Content-type: application/json' --data '{{\"text\":\"done\"}}' {v}"],
}  # fmt: skip
CURL_BEARER = '!curl -s -H "Authorization: Bearer {v}" https://api.acme-data.io/v1/me'
SHELL_PASSWORD = [
    '!mysql -h {host} -u etl -p{v} -e "SELECT COUNT(*) FROM orders"',
    '!PGPASSWORD={v} psql -h {host} -U etl -d sales -c "select 1"',
    "!sshpass -p '{v}' ssh etl@{host} 'df -h'",
    "!docker login -u acme -p {v} registry.acme-data.io",
    "!mongodump --host {host} --username etl --password {v} --db events",
    "!wget --user=etl --password={v} https://files.acme-data.io/exports/latest.csv",
]  # fmt: skip


def shell(rng: random.Random, v: Value) -> list[Piece]:
    if v.kind in ("password", "neg_password"):
        form = rng.choice(SHELL_PASSWORD)
    else:
        vendor = SHELL_TOKEN.get(v.family, SHELL_TOKEN.get(_vendor_family(v), []))
        form = rng.choice([*vendor, CURL_BEARER])
    return [lines_piece("code", [form.format(v=v.text, host=rng.choice(HOSTS))], 0, v)]


def getenv_default(rng: random.Random, v: Value) -> list[Piece]:
    line = rng.choice([
        f'{v.name} = os.getenv("{v.env}", "{v.text}")',
        f'{v.name} = os.environ.get("{v.env}", "{v.text}")',
        f'{v.name} = os.environ.get("{v.env}") or "{v.text}"',
    ])  # fmt: skip
    return [lines_piece("code", [line], 0, v)]


def comment(rng: random.Random, v: Value) -> list[Piece]:
    line = rng.choice([
        f"# {v.env}={v.text}",
        f"# my {v.vendor or 'api'} key: {v.text}",
        f"# old: {v.name} = '{v.text}'",
    ])  # fmt: skip
    return [lines_piece("code", [line], 0, v)]


def default_argument(rng: random.Random, v: Value) -> list[Piece]:
    lines = [
        f'def get_connection({v.name}="{v.text}"):',
        f'    return connect(host="{rng.choice(HOSTS)}", {v.name}={v.name})',
    ]
    return [lines_piece("code", lines, 0, v)]


def dotenv_file(rng: random.Random, v: Value) -> list[Piece]:
    lines = [
        'with open(".env", "w") as f:',
        '    f.write("""LOG_LEVEL=info',
        f"{v.env}={v.text}",
        'REGION=eu-west-1"""',
        "    )",
    ]
    return [lines_piece("code", lines, 2, v)]


def yaml_string(rng: random.Random, v: Value) -> list[Piece]:
    key = "password" if v.kind.endswith("password") else v.name.lower()
    lines = [
        'config = yaml.safe_load("""',
        "warehouse:",
        f"  host: {rng.choice(HOSTS)}",
        "  user: etl",
        f"  {key}: {v.text}",
        '""")',
    ]
    return [lines_piece("code", lines, 4, v)]


def ini_string(rng: random.Random, v: Value) -> list[Piece]:
    key = "password" if v.kind.endswith("password") else v.name.lower()
    lines = [
        "cfg = configparser.ConfigParser()",
        'cfg.read_string("""',
        "[warehouse]",
        f"host = {rng.choice(HOSTS)}",
        f"{key} = {v.text}",
        '""")',
    ]
    return [lines_piece("code", lines, 4, v)]


LOGINS = [
    ['server = smtplib.SMTP_SSL("smtp.gmail.com", 465)', 'server.login("reports@acme-data.io", "{v}")'],
    ['ftp = ftplib.FTP("ftp.acme-data.io")', 'ftp.login("etl", "{v}")'],
    ['resp = requests.get(url, auth=HTTPBasicAuth("admin", "{v}"), timeout=30)'],
    ['resp = requests.post(url, auth=("svc-reports", "{v}"), json=payload)'],
    ['conn = psycopg2.connect("host={host} dbname=sales user=etl password={v}")'],
    ['conn = pymysql.connect("{host}", "etl", "{v}", "sales")'],
    ['driver = GraphDatabase.driver("neo4j+s://a1b2c3d4.databases.neo4j.io", auth=("neo4j", "{v}"))'],
    ['imap = imaplib.IMAP4_SSL("imap.gmail.com")', 'imap.login("alerts@acme-data.io", "{v}")'],
    ['ssh.connect("{host}", username="ubuntu", password="{v}")'],
]  # fmt: skip


def login_call(rng: random.Random, v: Value) -> list[Piece]:
    form = rng.choice(LOGINS)
    lines = [line.format(v=v.text, host=rng.choice(HOSTS)) for line in form]
    return [lines_piece("code", lines, len(lines) - 1, v)]


URI_FORMS = [
    'engine = create_engine("postgresql+psycopg2://etl:{pw}@{host}:5432/analytics")',
    'client = MongoClient("mongodb+srv://app_user:{pw}@cluster0.k2x9q.mongodb.net/?retryWrites=true")',
    'r = redis.Redis.from_url("redis://:{pw}@cache.acme-data.io:6379/0")',
    'BROKER_URL = "amqp://worker:{pw}@mq.acme-data.io:5672/%2F"',
    "%sql mysql+pymysql://root:{pw}@{host}/shop",
    'DATABASE_URL = "postgres://etl:{pw}@{host}/sales?sslmode=require"',
    '!psql "postgresql://etl:{pw}@{host}:5432/sales" -c "\\dt"',
    'df = pd.read_sql(query, "mssql+pyodbc://sa:{pw}@{host}/dw?driver=ODBC+Driver+18+for+SQL+Server")',
]  # fmt: skip


def uri(rng: random.Random, v: Value) -> list[Piece]:
    line = rng.choice(URI_FORMS).format(pw=v.text, host=rng.choice(HOSTS))
    family = "uri_credentials" if v.positive else v.family
    return [lines_piece("code", [line], 0, v, family=family)]


def connection_string(rng: random.Random, v: Value) -> list[Piece]:
    """JDBC/ODBC ``password=`` strings (a password value)."""
    host = rng.choice(HOSTS)
    line = rng.choice([
        f'jdbc_url = "jdbc:sqlserver://{host}:1433;databaseName=sales;user=etl;password={v.text};encrypt=true"',
        f'conn = pyodbc.connect("Driver={{ODBC Driver 18 for SQL Server}};Server=tcp:{host},1433;Database=dw;Uid=etl;Pwd={v.text};Encrypt=yes;")',
        f'props = {{"url": "jdbc:postgresql://{host}:5432/sales", "user": "etl", "password": "{v.text}"}}',
    ])  # fmt: skip
    family = "jdbc_password" if v.positive else v.family
    return [lines_piece("code", [line], 0, v, family=family)]


def azure_connection(rng: random.Random, v: Value) -> list[Piece]:
    line = rng.choice([
        f'blob = BlobServiceClient.from_connection_string("{v.text}")',
        f'AZURE_STORAGE_CONNECTION_STRING = "{v.text}"',
    ])  # fmt: skip
    return [lines_piece("code", [line], 0, v)]


def aws_pair(rng: random.Random, v: Value) -> list[Piece]:
    """Key id and secret passed positionally: no keyword names either."""
    secret = values.aws_secret(rng)
    head = rng.choice(["session = boto3.Session(", "creds = (", "s3 = S3FileSystem(*("])
    tail = "))" if head.endswith("*(") else ")"
    lines = [head, f'    "{v.text}",', f'    "{secret}",', tail]
    marks = [Mark(1, 1, v.text, "aws", True), Mark(2, 2, secret, "aws", True)]
    return [Piece("code", lines, marks)]


def aws_secret_assign(rng: random.Random, v: Value) -> list[Piece]:
    line = rng.choice([
        f'aws_secret_access_key = "{v.text}"',
        f'os.environ["AWS_SECRET_ACCESS_KEY"] = "{v.text}"',
        f"!aws configure set aws_secret_access_key {v.text}",
        f's3 = boto3.client("s3", aws_secret_access_key="{v.text}", aws_access_key_id=key_id)',
    ])  # fmt: skip
    return [lines_piece("code", [line], 0, v)]


def twilio_pair(rng: random.Random, v: Value) -> list[Piece]:
    sid, auth = values.twilio_sid(rng), values.twilio_token(rng)
    lines = ["client = Client(", f'    "{sid}",', f'    "{auth}",', ")"]
    # The account SID names the account, as a user name does: the token is the secret.
    marks = [Mark(2, 2, auth, "twilio", True)]
    return [Piece("code", lines, marks)]


def pem_literal(rng: random.Random, v: Value) -> list[Piece]:
    body = block(v.text)
    lines = [
        f'{rng.choice(["private_key", "ssh_key", "PEM"])} = """{body[0]}',
        *body[1:-1],
        f'{body[-1]}"""',
    ]
    return [lines_piece("code", lines, 0, v, last=len(lines) - 1)]


def service_account_dict(rng: random.Random, v: Value) -> list[Piece]:
    info = json.loads(v.text)
    if rng.random() < 0.5:
        dumped = block(json.dumps(info, indent=4))
        lines = [f"credentials_info = {dumped[0]}", *dumped[1:]]
        lines.append(
            "credentials = service_account.Credentials.from_service_account_info(credentials_info)"
        )
        return [lines_piece("code", lines, 0, v, last=len(dumped) - 1)]
    lines = ["sa_key = json.loads('''" + json.dumps(info) + "''')"]
    return [lines_piece("code", lines, 0, v)]


def echo(rng: random.Random, v: Value) -> list[Piece]:
    """Assigned in a cell and printed by it with no keyword around the value."""
    code = lines_piece("code", [f'{v.name} = "{v.text}"', f"print({v.name})"], 0, v)
    out = rng.choice([
        lines_piece("stdout", [v.text], 0, v, follows=True),
        lines_piece("text/plain", [f"'{v.text}'"], 0, v, follows=True),
    ])  # fmt: skip
    return [code, out]


def negative_assign(rng: random.Random, v: Value) -> list[Piece]:
    """A hash, UUID, cursor, tokenizer token or reference where code would hold it."""
    if v.kind == "reference":
        return [lines_piece("code", [f"{v.name} = {v.text}"], 0, v)]
    if v.kind == "hash":
        line = rng.choice([
            f'model = AutoModelForCausalLM.from_pretrained("acme/llm-7b", revision="{v.text}")',
            f'expected_sha256 = "{v.text}"',
            f'password_hash = "{v.text}"',
            f'commit = "{v.text}"',
        ])  # fmt: skip
    elif v.kind == "uuid":
        line = f'{v.name} = "{v.text}"'
    elif v.kind == "pagination":
        line = rng.choice([f'params = {{"pageSize": 100, "{v.name}": "{v.text}"}}',
                           f'{v.name} = "{v.text}"'])  # fmt: skip
    else:
        line = rng.choice([f'tokenizer.{v.name} = "{v.text}"', f'{v.name} = "{v.text}"',
                           f'tokenizer.add_special_tokens({{"additional_special_tokens": ["{v.text}"]}})'])  # fmt: skip
    return [lines_piece("code", [line], 0, v)]
