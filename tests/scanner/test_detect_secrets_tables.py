"""detect-secrets' own plugin test tables, asked of our scanner.

Transcribed from detect-secrets 1.5.0 (``tests/plugins/*_test.py``, the ``should_flag``
tables of the plugins we cover). The payloads are detect-secrets' published fake test
values, not credentials. Each row is scanned the way a notebook would hold it: as the
source of a code cell (``cell``), or as a line of a plain file (``text``: config syntax,
``.npmrc``). The expected answer is detect-secrets' unless the row says why a notebook
needs the other one (``why``). Rows marked ``gap`` are detector-side differences (their
fix belongs in ``scanner/detectors/*.py``): they are strict xfails, so a fix is noticed.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from jupyter_secrets.scanner import Scanner

from .nbutil import code, notebook

# fmt: off
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # pragma: allowlist secret
IAM_KEY = "abcd1234abcd1234abcd1234ABCD1234ABCD1234--__"  # pragma: allowlist secret
CL_ACCOUNT = "testy_-test"
CL_PW = "abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234abcd1234"  # pragma: allowlist secret
CL_API_KEY = "abcdefghijabcdefghijabcd"  # pragma: allowlist secret
COMMON = "m{{h}o)p${e]nob(ody[finds>-_$#thisone}}"  # pragma: allowlist secret
WHITES = "value with quotes and spaces"  # pragma: allowlist secret
LETTER = "A,.:-¨@*¿?!"  # pragma: allowlist secret
SYMBOL = ",.:-¨@*¿?!"  # pragma: allowlist secret

# Reasons shared by several rows.
RUN = "a run of one repeated character (Z..., x..., 1...) is filler, not a token"
SPACES = "a value with spaces is prose or a prompt in notebooks (password = 'see the wiki')"
CODE = "unquoted `name = value` in Python code is an expression, not a literal"
NO_ASSIGN = "detector-side: password_assignment reads `name = value`, not comparisons or bare `name \"v\"`"
WEAK_KEY = "detector-side: a token-named value needs digits or mixed case (COMMON is lower case + symbols)"
NAME = "detector-side: not a credential name in credentials.credential_name"
# fmt: on


@dataclass(frozen=True)
class Row:
    plugin: str
    payload: str
    flag: bool  # detect-secrets' answer
    why: str = ""  # why a notebook needs the other answer
    gap: str = ""  # detector-side difference still open
    where: str = "cell"  # "cell" (code cell), or a file name for a plain-text line

    @property
    def expected(self) -> bool:
        return not self.flag if self.why else self.flag


# fmt: off
ROWS = [
    # aws_key_test.py
    Row("aws", "AKIAZZZZZZZZZZZZZZZZ", True, why=RUN),  # pragma: allowlist secret
    Row("aws", "akiazzzzzzzzzzzzzzzz", False),  # pragma: allowlist secret
    Row("aws", "AKIAZZZ", False),  # pragma: allowlist secret
    Row("aws", "A3T0ZZZZZZZZZZZZZZZZ", True, why=RUN),  # pragma: allowlist secret
    Row("aws", "ABIAZZZZZZZZZZZZZZZZ", True, why=RUN),  # pragma: allowlist secret
    Row("aws", "ACCAZZZZZZZZZZZZZZZZ", True, why=RUN),  # pragma: allowlist secret
    Row("aws", "ASIAZZZZZZZZZZZZZZZZ", True, why=RUN),  # pragma: allowlist secret
    Row("aws", f'aws_access_key = "{AWS_SECRET}"', True, why="AWS's documented example secret key"),  # pragma: allowlist secret
    Row("aws", f'aws_access_key = "{AWS_SECRET}a"', False),  # pragma: allowlist secret
    Row("aws", f'aws_access_key = "{AWS_SECRET[:39]}"', False),  # pragma: allowlist secret
    # azure_storage_key_test.py
    Row("azure_storage_key", "AccountKey=lJzRc1YdHaAA2KCNJJ1tkYwF/+mKK6Ygw0NGe170Xu592euJv2wYUtBlV8z+qnlcNQSnIYVTkLWntUO1F8j8rQ==", True),  # pragma: allowlist secret
    # basic_auth_test.py
    Row("basic_auth", "https://username:password@yelp.com", True, why="username:password is the placeholder pair of every tutorial"),  # pragma: allowlist secret
    Row("basic_auth", "http://localhost:5000/<%= @variable %>", False),
    Row("basic_auth", '"https://url:8000";@something else', False),
    Row("basic_auth", "'https://url:8000';@something else", False),
    Row("basic_auth", "https://url:8000 @something else", False),
    Row("basic_auth", "https://url:8000/ @something else", False),
    # jwt_test.py
    Row("jwt", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", True, why="jwt.io's sample token"),  # pragma: allowlist secret
    Row("jwt", "eyJ0eXAiOiJKV1QiLA0KImFsZyI6IkhTMjU2In0.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ", True, why="jwt.io's sample claims (John Doe, iat 1516239022) under another header"),  # pragma: allowlist secret
    Row("jwt", "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJuYW1lIjoiSm9lIiwKInN0YXR1cyI6ImVtcGxveWVlIgp9", True),  # pragma: allowlist secret
    Row("jwt", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IsWww6HFkcOtIMOWxZHDqcOoIiwiaWF0IjoxNTE2MjM5MDIyfQ.k5HibI_uLn_RTuPcaCNkaVaQH2y5q6GvJg8GPpGMRwQ", True),  # pragma: allowlist secret
    Row("jwt", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ", True, why="jwt.io's sample claims, unsigned"),  # pragma: allowlist secret
    Row("jwt", '{"alg":"HS256","typ":"JWT"}.{"name":"Jon Doe"}.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c', False),  # pragma: allowlist secret
    Row("jwt", "bm90X3ZhbGlkX2pzb25fYXRfYWxs.bm90X3ZhbGlkX2pzb25fYXRfYWxs.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", False),  # pragma: allowlist secret
    Row("jwt", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", False),  # pragma: allowlist secret
    Row("jwt", "jwt", False),
    Row("jwt", "eyJhbasdGciOiJIUaddasdasfsasdasdzI1NiIasdsInR5cCI6IkpXVCasdJasd9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", False),  # pragma: allowlist secret
    Row("jwt", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c", False),  # pragma: allowlist secret
    Row("jwt", "eyJAAAA.eyJBBB", False),  # pragma: allowlist secret
    Row("jwt", "eyJBB.eyJCC.eyJDDDD", False),  # pragma: allowlist secret
    # private_key_test.py (whole files)
    Row("private_key", "-----BEGIN RSA PRIVATE KEY-----\nsuper secret private key here\n-----END RSA PRIVATE KEY-----", True, why="no key material between the lines: prose in a PEM frame"),  # pragma: allowlist secret
    Row("private_key", "some text here\n-----BEGIN PRIVATE KEY-----\nyabba dabba doo", True, why="a header with no key body and no footer"),  # pragma: allowlist secret
    # slack_test.py (all should flag)
    Row("slack", "xoxp-523423-234243-234233-e039d02840a0b9379c", True),  # pragma: allowlist secret
    Row("slack", "xoxo-523423-234243-234233-e039d02840a0b9379c", True),  # pragma: allowlist secret
    Row("slack", "xoxs-523423-234243-234233-e039d02840a0b9379c", True),  # pragma: allowlist secret
    Row("slack", "xoxa-511111111-31111111111-3111111111111-e039d02840a0b9379c", True, why=RUN),  # pragma: allowlist secret
    Row("slack", "xoxa-2-511111111-31111111111-3111111111111-e039d02840a0b9379c", True, why=RUN),  # pragma: allowlist secret
    Row("slack", "xoxr-523423-234243-234233-e039d02840a0b9379c", True),  # pragma: allowlist secret
    Row("slack", "xoxb-34532454-e039d02840a0b9379c", True),  # pragma: allowlist secret
    Row("slack", "https://hooks.slack.com/services/Txxxxxxxx/Bxxxxxxxx/xxxxxxxxxxxxxxxxxxxxxxxx", True, why="Slack's documented webhook placeholder (x...)"),  # pragma: allowlist secret
    # stripe_key_test.py
    Row("stripe", "sk_live_ReTllpYQYfIZu2Jnf2lAPFjD", True),  # pragma: allowlist secret
    Row("stripe", "rk_live_5TcWfjKmJgpql9hjpRnwRXbT", True),  # pragma: allowlist secret
    Row("stripe", "pk_live_j5krY8XTgIcDaHDb3YrsAfCl", False),  # pragma: allowlist secret
    Row("stripe", "sk_live_", False),
    # twilio_test.py (both should flag)
    Row("twilio", "SKxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", True, why="Twilio's documented placeholder (SK + x...)"),  # pragma: allowlist secret
    Row("twilio", "ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", True, why="an account SID is an identifier, and this one Twilio's placeholder"),  # pragma: allowlist secret
    # mailchimp_key_test.py
    Row("mailchimp", "343ea45721923ed956e2b38c31db76aa-us30", True),  # pragma: allowlist secret
    Row("mailchimp", "a2937653ed38c31a43ea46e2b19257db-us2", True),  # pragma: allowlist secret
    Row("mailchimp", "3ea4572956e2b381923ed34c31db76aa-2", False),  # pragma: allowlist secret
    Row("mailchimp", "aea462953eb192d38c31a433e76257db-al32", False),  # pragma: allowlist secret
    Row("mailchimp", "9276a43e2951aa46e2b1c33ED38357DB-us2", False),  # pragma: allowlist secret
    Row("mailchimp", "3a5633e829d3c71-us2", False),  # pragma: allowlist secret
    # square_oauth_test.py
    Row("square", "square_oauth = sq0csp-ABCDEFGHIJK_LMNOPQRSTUVWXYZ-0123456789\\abcd", True),  # pragma: allowlist secret
    # discord_test.py
    Row("discord", "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs", True, why="Discord's documented example token (discord.com/developers/docs/reference)"),  # pragma: allowlist secret
    Row("discord", "Nzk5MjgxNDk0NDc2NDU1OTg3.YABS5g.2lmzECVlZv3vv6miVnUaKPQi2wI", True),  # pragma: allowlist secret
    Row("discord", "MZ1yGvKTjE0rY0cV8i47CjAa.uRHQPq.Xb1Mk2nEhe-4iUcrGOuegj57zMC", True, why="GitGuardian's documented example token (docs.gitguardian.com discord_bot_token)"),  # pragma: allowlist secret
    Row("discord", "OTUyNED5MDk2MTMxNzc2MkEz.YjESug.UNf-1GhsIG8zWT409q2C7Bh_zWQ", True, gap="detector-side: away from the word discord, a bare token is found only when its first part is base64 of a numeric user id"),  # pragma: allowlist secret
    Row("discord", "OTUyNED5MDk2MTMxNzc2MkEz.GSroKE.g2MTwve8OnUAAByz8KV_ZTV1Ipzg4o_NmQWUMs", True, gap="detector-side: away from the word discord, a bare token is found only when its first part is base64 of a numeric user id"),  # pragma: allowlist secret
    Row("discord", "MTAyOTQ4MTN5OTU5MTDwMEcxNg.GSwJyi.sbaw8msOR3Wi6vPUzeIWy_P0vJbB0UuRVjH8l8", True, gap="detector-side: away from the word discord, a bare token is found only when its first part is base64 of a numeric user id"),  # pragma: allowlist secret
    Row("discord", "ATMyOTQ4MTN5OTU5MTDwMEcxNg.GSwJyi.sbaw8msOR3Wi6vPUzeIWy_P0vJbB0UuRVjH8l8", True, why="glued to a longer base64 run (a lucky match inside a blob is noise; our boundary rule)"),  # pragma: allowlist secret
    Row("discord", "=MTAyOTQ4MTN5OTU5MTDwMEcxN.GSwJyi.sbaw8msOR3Wi6vPUzeIWy_P0vJbB0UuRVjH8l8", True, gap="detector-side: away from the word discord, a bare token is found only when its first part is base64 of a numeric user id"),  # pragma: allowlist secret
    Row("discord", "MTAyOTQ4MTN5OTU5MTDwMEcxNg.YjESug.UNf-1GhsIG8zWT409q2C7Bh_zWQ!4o_NmQWUMs", True, gap="detector-side: away from the word discord, a bare token is found only when its first part is base64 of a numeric user id"),  # pragma: allowlist secret
    Row("discord", "MZ1yGvKTj0rY0cV8i47CjAa.uHQPq.Xb1Mk2nEhe-4icrGOuegj57zMC", False),  # pragma: allowlist secret
    Row("discord", "MZ1yGvKTj0rY0cV8i47CjAa.uRHQPq.Xb1Mk2nEhe-4iUcrGOuegj57zMC", False),  # pragma: allowlist secret
    Row("discord", "MZ1yGvKTjE0rY0cV8i47CjAa.uHQPq.Xb1Mk2nEhe-4iUcrGOuegj57zMC", False),  # pragma: allowlist secret
    Row("discord", "MZ1yGvKTjE0rY0cV8i47CjAa.uRHQPq.Xb1Mk2nEhe-4iUcrGOuegj57zM", False),  # pragma: allowlist secret
    Row("discord", "MZ1yGvKTjE0rY0cV8i47CjAa.uRHQPq.Xb1Mk2nEhe,4iUcrGOuegj57zMC", False),  # pragma: allowlist secret
    Row("discord", "PZ1yGvKTjE0rY0cV8i47CjAa.uRHQPq.Xb1Mk2nEhe-4iUcrGOuegj57zMC", False),  # pragma: allowlist secret
    Row("discord", "MTAyOTQ4MTN5OTU5MTDwMEcxNg0.GSwJyi.sbaw8msOR3Wi6vPUzeIWy_P0vJbB0UuRVjH8l8", False),  # pragma: allowlist secret
    # telegram_token_test.py
    Row("telegram", "bot110201543:AAHdqTcvCH1vGWJxfSe1ofSAs0K5PALDsaw", True, why="Telegram's documented example bot token (core.telegram.org/bots/api)"),  # pragma: allowlist secret
    Row("telegram", "110201543:AAHdqTcvCH1vGWJxfSe1ofSAs0K5PALDsaw", True, why="Telegram's documented example bot token (core.telegram.org/bots/api)"),  # pragma: allowlist secret
    Row("telegram", "7213808860:AAH1bjqpKKW3maRSPAxzIU-0v6xNuq2-NjM", True),  # pragma: allowlist secret
    Row("telegram", "foo:AAH1bjqpKKW3maRSPAxzIU-0v6xNuq2-NjM", False),  # pragma: allowlist secret
    Row("telegram", "foo", False),
    # ibm_cloud_iam_test.py
    Row("ibm_cloud_iam", f"ibm-cloud_api_key: {IAM_KEY}", True),  # pragma: allowlist secret
    Row("ibm_cloud_iam", f"ibm_cloud_iam-key : {IAM_KEY}", True),  # pragma: allowlist secret
    Row("ibm_cloud_iam", f'IBM-API-KEY : "{IAM_KEY}"', True),  # pragma: allowlist secret
    Row("ibm_cloud_iam", f'"iam_api_key" : "{IAM_KEY}"', True),  # pragma: allowlist secret
    Row("ibm_cloud_iam", f'cloud-api-key: "{IAM_KEY}"', True),  # pragma: allowlist secret
    Row("ibm_cloud_iam", f'"iam-password": "{IAM_KEY}"', True),  # pragma: allowlist secret
    Row("ibm_cloud_iam", f'CLOUD_IAM_API_KEY:"{IAM_KEY}"', True),  # pragma: allowlist secret
    Row("ibm_cloud_iam", f"ibm-cloud-key:{IAM_KEY}", True),  # pragma: allowlist secret
    Row("ibm_cloud_iam", f'ibm_key:"{IAM_KEY}"', True),  # pragma: allowlist secret
    Row("ibm_cloud_iam", f'"ibm_cloud_iam_api_key":"{IAM_KEY}"', True),  # pragma: allowlist secret
    Row("ibm_cloud_iam", f"ibm_cloud_iamapikey= {IAM_KEY}", True),  # pragma: allowlist secret
    Row("ibm_cloud_iam", f'ibm_cloud_api_key= "{IAM_KEY}"', True),  # pragma: allowlist secret
    Row("ibm_cloud_iam", f"IBMCLOUDIAMAPIKEY={IAM_KEY}", True),  # pragma: allowlist secret
    Row("ibm_cloud_iam", f'cloud_iam_api_key="{IAM_KEY}"', True),  # pragma: allowlist secret
    Row("ibm_cloud_iam", f"ibm_api_key := {IAM_KEY}", True),  # pragma: allowlist secret
    Row("ibm_cloud_iam", f'"ibm-iam_key" := "{IAM_KEY}"', True),  # pragma: allowlist secret
    Row("ibm_cloud_iam", f'"ibm_cloud_iam_api_key":= "{IAM_KEY}"', True),  # pragma: allowlist secret
    Row("ibm_cloud_iam", f"ibm-cloud_api_key:={IAM_KEY}", True),  # pragma: allowlist secret
    Row("ibm_cloud_iam", f'"cloud_iam_api_key":="{IAM_KEY}"', True),  # pragma: allowlist secret
    Row("ibm_cloud_iam", f'ibm_iam_key:= "{IAM_KEY}"', True),  # pragma: allowlist secret
    Row("ibm_cloud_iam", f'ibm_iam_key:= "{IAM_KEY}extra"', False),  # pragma: allowlist secret
    Row("ibm_cloud_iam", f'ibm_api_key:="{IAM_KEY}"', True),  # pragma: allowlist secret
    Row("ibm_cloud_iam", f'ibm_password = "{IAM_KEY}"', True),  # pragma: allowlist secret
    Row("ibm_cloud_iam", f"ibm-cloud-pwd = {IAM_KEY}", True),  # pragma: allowlist secret
    Row("ibm_cloud_iam", f"ibm-cloud-pwd = {IAM_KEY}extra", False),  # pragma: allowlist secret
    Row("ibm_cloud_iam", "ibm-cloud-pwd = shorter-version", False),
    Row("ibm_cloud_iam", f"apikey:{IAM_KEY}", True, why=CODE),  # pragma: allowlist secret
    Row("ibm_cloud_iam", 'iam_api_key="%s" % IBM_IAM_API_KEY_ENV', False),
    Row("ibm_cloud_iam", 'CLOUD_APIKEY: "insert_key_here"', False),
    Row("ibm_cloud_iam", "cloud-iam-key:=afakekey", False),
    Row("ibm_cloud_iam", 'fake-cloud-iam-key= "not_long_enough"', False),
    # cloudant_test.py
    Row("cloudant", f'https://{CL_ACCOUNT}:{CL_PW}@{CL_ACCOUNT}.cloudant.com"', True),  # pragma: allowlist secret
    Row("cloudant", f"https://{CL_ACCOUNT}:{CL_PW}@{CL_ACCOUNT}.cloudant.com/_api/v2/", True),  # pragma: allowlist secret
    Row("cloudant", f"https://{CL_ACCOUNT}:{CL_PW}@{CL_ACCOUNT}.cloudant.com", True),  # pragma: allowlist secret
    Row("cloudant", f"https://{CL_ACCOUNT}:{CL_API_KEY}@{CL_ACCOUNT}.cloudant.com", True),  # pragma: allowlist secret
    Row("cloudant", f"https://{CL_ACCOUNT}:{CL_PW}.cloudant.com", False),  # pragma: allowlist secret
    Row("cloudant", f"cloudant_password='{CL_PW}'", True),  # pragma: allowlist secret
    Row("cloudant", f"cloudant_pw='{CL_PW}'", True),  # pragma: allowlist secret
    Row("cloudant", f'cloudant_pw="{CL_PW}"', True),  # pragma: allowlist secret
    Row("cloudant", f'clou_pw = "{CL_PW}"', True, why="64 hex digits with no vendor word near read as a SHA-256 digest"),  # pragma: allowlist secret
    Row("cloudant", f'cloudant_key = "{CL_API_KEY}"', True),  # pragma: allowlist secret
    Row("cloudant", 'cloudant_password = "a-fake-tooshort-key"', False),  # pragma: allowlist secret
    Row("cloudant", 'cl_api_key = "a-fake-api-key"', False),  # pragma: allowlist secret
    # github_token_test.py
    Row("github", "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", True),  # pragma: allowlist secret
    Row("github", "foo_wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx", False),  # pragma: allowlist secret
    Row("github", "foo", False),
    # gitlab_token_test.py
    Row("gitlab", "glpat-hellOworld380_testin", True),  # pragma: allowlist secret
    Row("gitlab", "glpat-hellOWorld380 testin", False),  # pragma: allowlist secret
    Row("gitlab", "glpat_hellOworld380_testin", False),  # pragma: allowlist secret
    Row("gitlab", "gldt-HwllOuhfw-wu0rlD_yep", True),  # pragma: allowlist secret
    Row("gitlab", "gldt-seems_too000Sshorty", False),  # pragma: allowlist secret
    Row("gitlab", "foo-hello-world80_testin", False),  # pragma: allowlist secret
    Row("gitlab", "glsoat-PREfix_helloworld380_testin_pretty_long_token_long", True),  # pragma: allowlist secret
    Row("gitlab", "glsoat-PREfix_helloworld380_testin_pretty_long_token_long_", False),  # pragma: allowlist secret
    Row("gitlab", "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", False, why="GitLab is not GitHub, but this is a well-formed GitHub token (its CRC32 verifies)"),  # pragma: allowlist secret
    Row("gitlab", "GR1348941PREfix_helloworld380", True),  # pragma: allowlist secret
    Row("gitlab", "GR1348941PREfix_helloworld380_testin_pretty_long_token_long", True),  # pragma: allowlist secret
    Row("gitlab", "GR1348941PREfix_helloworld380_testin_pretty_long_token_long_", False),  # pragma: allowlist secret
    Row("gitlab", "GR1348941helloWord0", False),  # pragma: allowlist secret
    Row("gitlab", "glcbt-helloworld380_testin", True),  # pragma: allowlist secret
    Row("gitlab", "glimt-my-tokens_are-correctAB38", True, gap="detector-side: gitlab does not know glimt- (incoming mail) tokens"),  # pragma: allowlist secret
    Row("gitlab", "glimt-my-tokens_are-correctAB", False),  # pragma: allowlist secret
    Row("gitlab", "glimt-my-tokens_are-correctAB38_280", False),  # pragma: allowlist secret
    Row("gitlab", "glptt-Need5_T00-be-exactly-40-chars--ELse_fail", True),  # pragma: allowlist secret
    Row("gitlab", "glptt-Need5_T00-be-exactly-40-chars--ELse_failing", False),  # pragma: allowlist secret
    Row("gitlab", "glptt-hellOworld380_testin", False),  # pragma: allowlist secret
    Row("gitlab", "glagent-Need5_T00-bee-longer-than-50_chars-or-else-failING", True),  # pragma: allowlist secret
    Row("gitlab", "glagent-Need5_T00-bee-longer-than-50_chars-or-else-failING-still_OK", True),  # pragma: allowlist secret
    Row("gitlab", "glagent-" + "X" * 1025, False),
    Row("gitlab", "glagent-hellOworld380_testin", False),  # pragma: allowlist secret
    Row("gitlab", "gloas-checking_Length-Is-_exactly_64--checking_Length-Is-_exactly_64--", True),  # pragma: allowlist secret
    Row("gitlab", "gloas-checking_Length-Is-checking_Length-Is-", False),  # pragma: allowlist secret
    Row("gitlab", "gloas-checking_Length-Is-_exactly_64--Xchecking_Length-Is-_longer_longer", False),  # pragma: allowlist secret
    # npm_test.py (lines of an .npmrc)
    Row("npm", "//registry.npmjs.org/:_authToken=743b294a-cd03-11ec-9d64-0242ac120002", True, where=".npmrc"),  # pragma: allowlist secret
    Row("npm", "//registry.npmjs.org/:_authToken=346a14f2-a672-4668-a892-956a462ab56e", True, where=".npmrc"),  # pragma: allowlist secret
    Row("npm", "//registry.npmjs.org/:_authToken= 743b294a-cd03-11ec-9d64-0242ac120002", True, where=".npmrc"),  # pragma: allowlist secret
    Row("npm", "//registry.npmjs.org/:_authToken=npm_xxxxxxxxxxx", True, where=".npmrc", why="npm_ followed by a placeholder"),  # pragma: allowlist secret
    Row("npm", "//registry.npmjs.org:_authToken=743b294a-cd03-11ec-9d64-0242ac120002", False, where=".npmrc"),  # pragma: allowlist secret
    Row("npm", "registry.npmjs.org/:_authToken=743b294a-cd03-11ec-9d64-0242ac120002", False, where=".npmrc"),  # pragma: allowlist secret
    Row("npm", "///:_authToken=743b294a-cd03-11ec-9d64-0242ac120002", False, where=".npmrc"),  # pragma: allowlist secret
    Row("npm", "_authToken=743b294a-cd03-11ec-9d64-0242ac120002", False, where=".npmrc"),  # pragma: allowlist secret
    Row("npm", "foo", False, where=".npmrc"),
    Row("npm", "//registry.npmjs.org/:_authToken=${NPM_TOKEN}", False, where=".npmrc"),
    # pypi_token_test.py
    Row("pypi", "pypi-AgEIcHlwaS5vcmcCJDU3OTM1MjliLWIyYTYtNDEwOC05NzRkLTM0MjNiNmEwNWIzYgACF1sxLFsitesttestbWluaW1hbC1wcm9qZWN0Il1dAAIsWzIsWyJjYWY4OTAwZi0xNDMwLTRiYQstYmFmMi1mMDE3OGIyNWZhNTkiXV0AAAYgh2UINPjWBDwT0r3tQ1o5oZyswcjN0-IluP6z34SX3KM", True),  # pragma: allowlist secret
    Row("pypi", "pypi-AgENdGVzdC5weXBpLm9yZwIkN2YxOWZhOWEtY2FjYS00MGZhLTj2MGEtODFjMnE2MjdmMzY0AAIqWzMsImJlM2FiOWI5LTRmYUTnNEg4ZS04Mjk0LWFlY2Y2NWYzNGYzNyJdAAAGIMb5Hb8nVvhcAizcVVzA-bKKnwN7Pe0RmgPRCvrPwyJf", True),  # pragma: allowlist secret
    Row("pypi", "pypi-AgEIcHlwaS5vcmcCJDU3OTM1MjliLWIyYTYtNDEwOC05NzRkLTM0MjNiNmEwNWIzYgACF1sxLFsibWluaW1h", False, gap="detector-side: pypi takes any 50+ characters after AgE (a macaroon this short has no signature)"),  # pragma: allowlist secret
    # sendgrid_test.py
    Row("sendgrid", "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", True),  # pragma: allowlist secret
    Row("sendgrid", "SG.ngeVfQFYQlKU0ufo8x5d1A..TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr", False),  # pragma: allowlist secret
    Row("sendgrid", "AG.ngeVfQFYQlKU0ufo8x5d1A.TwL2iGABf9DHoTf-09kqeF8tAmbihYzrnopKc-1s5cr", False),  # pragma: allowlist secret
    Row("sendgrid", "foo", False),
    # openai_test.py
    Row("openai", "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", True),  # pragma: allowlist secret
    Row("openai", "sk-proj-Xi8tdMjHV6pmbBbwilTeT3BlbkFJ3UDnpdEwNNm6wVBpYM0o", True),  # pragma: allowlist secret
    Row("openai", "sk-proj-Xi8tdMjHV6pmbBbwilTeT4BlbkFJ3UDnpdEwNNm6wVBpYM0o", False, gap="detector-side: openai takes any 40+ characters after sk-proj- (no T3BlbkFJ marker required)"),  # pragma: allowlist secret
    # keyword_test.py, CONFIG_TEST_CASES (a .conf file)
    Row("keyword", f'password = "{WHITES}"', True, where="settings.conf", why=SPACES),  # pragma: allowlist secret
    Row("keyword", f'password_super_secure = "{WHITES}"', True, where="settings.conf", why=SPACES),  # pragma: allowlist secret
    Row("keyword", f'my_password_super_secure = "{WHITES}"', True, where="settings.conf", why=SPACES),  # pragma: allowlist secret
    Row("keyword", f"apikey = {COMMON}", True, where="settings.conf", gap="detector-side: an unquoted value with brackets is read as code (_VALUE_LIKE_CODE_RE), even in a config file"),  # pragma: allowlist secret
    Row("keyword", f"api_key: '{WHITES}'", True, where="settings.conf", why=SPACES),  # pragma: allowlist secret
    Row("keyword", f"aws_secret_access_key: {WHITES}", True, where="settings.conf", why=SPACES),  # pragma: allowlist secret
    Row("keyword", f"db_pass: {COMMON},", True, where="settings.conf", gap="detector-side: an unquoted value with brackets is read as code (_VALUE_LIKE_CODE_RE), even in a config file"),  # pragma: allowlist secret
    Row("keyword", f"passwd: {COMMON}`", True, where="settings.conf", gap="detector-side: an unquoted value with brackets is read as code (_VALUE_LIKE_CODE_RE), even in a config file"),  # pragma: allowlist secret
    Row("keyword", f'private_key: {COMMON}"', True, where="settings.conf", gap="detector-side: an unquoted value with brackets is read as code (_VALUE_LIKE_CODE_RE), even in a config file"),  # pragma: allowlist secret
    Row("keyword", f"secret: {COMMON}'", True, where="settings.conf", gap="detector-side: an unquoted value with brackets is read as code (_VALUE_LIKE_CODE_RE), even in a config file"),  # pragma: allowlist secret
    Row("keyword", f'secrete "{COMMON}";', True, where="settings.conf", gap=NAME),  # pragma: allowlist secret
    Row("keyword", f'if (apikey == "{COMMON}") {{', True, where="settings.conf", gap=NO_ASSIGN),  # pragma: allowlist secret
    Row("keyword", f'if ("{COMMON}" == password) {{', True, where="settings.conf", gap=NO_ASSIGN),  # pragma: allowlist secret
    Row("keyword", f"secrete = {LETTER}", True, where="settings.conf", gap=NAME),  # pragma: allowlist secret
    Row("keyword", f"password = {SYMBOL}", False, where="settings.conf"),  # pragma: allowlist secret
    Row("keyword", 'api_key = ""', False, where="settings.conf"),
    Row("keyword", "secret: ''", False, where="settings.conf"),
    Row("keyword", 'password = "somefakekey"', False, where="settings.conf"),  # pragma: allowlist secret
    Row("keyword", "password: ${link}", False, where="settings.conf"),
    Row("keyword", 'some_key = "real_secret"', False, where="settings.conf"),  # pragma: allowlist secret
    Row("keyword", "private_key \"hopenobodyfindsthisone';", False, where="settings.conf"),  # pragma: allowlist secret
    # keyword_test.py, QUOTES_REQUIRED_TEST_CASES (.py: a code cell)
    Row("keyword", f'apikey: "{COMMON}"', True, gap=WEAK_KEY),  # pragma: allowlist secret
    Row("keyword", f'apikey_myservice: "{COMMON}"', True, gap=NAME),  # pragma: allowlist secret
    Row("keyword", f"api_key: `{COMMON}`", True, gap="detector-side: backtick-quoted values are not read"),  # pragma: allowlist secret
    Row("keyword", f"aws_secret_access_key: '{COMMON}'", True, gap=WEAK_KEY),  # pragma: allowlist secret
    Row("keyword", f"db_pass: '{LETTER}'", True),  # pragma: allowlist secret
    Row("keyword", f"password: '{SYMBOL}'", False),  # pragma: allowlist secret
    Row("keyword", f'if ("{COMMON}" == passwd) {{', True, gap=NO_ASSIGN),  # pragma: allowlist secret
    Row("keyword", f'if ("{COMMON}" === private_key) {{', True, gap=NO_ASSIGN),  # pragma: allowlist secret
    Row("keyword", f'if ("{COMMON}" === my_private_key) {{', True, gap=NO_ASSIGN),  # pragma: allowlist secret
    Row("keyword", f'if ("{COMMON}" != secret) {{', True, gap=NO_ASSIGN),  # pragma: allowlist secret
    Row("keyword", f'if ("{COMMON}" !== password) {{', True, gap=NO_ASSIGN),  # pragma: allowlist secret
    Row("keyword", f'secrete = "{COMMON}"', True, gap=NAME),  # pragma: allowlist secret
    Row("keyword", f'if (apikey == "{COMMON}") {{', True, gap=NO_ASSIGN),  # pragma: allowlist secret
    Row("keyword", f'if (api_key === "{COMMON}") {{', True, gap=NO_ASSIGN),  # pragma: allowlist secret
    Row("keyword", f'if (aws_secret_access_key != "{COMMON}") {{', True, gap=NO_ASSIGN),  # pragma: allowlist secret
    Row("keyword", f'if (db_pass !== "{COMMON}") {{', True, gap=NO_ASSIGN),  # pragma: allowlist secret
    Row("keyword", f'password "{COMMON}";', True, gap=NO_ASSIGN),  # pragma: allowlist secret
    Row("keyword", f"password = {COMMON}", False),  # pragma: allowlist secret
    Row("keyword", f'password = "{COMMON}"', True),  # pragma: allowlist secret
    Row("keyword", f'password => "{COMMON}"', True),  # pragma: allowlist secret
    Row("keyword", 'api_key = ""', False),
    Row("keyword", "secret: ''", False),
    Row("keyword", "password: ${link}", False),
    Row("keyword", 'some_key = "real_secret"', False),  # pragma: allowlist secret
    Row("keyword", "private_key \"hopenobodyfindsthisone';", False),  # pragma: allowlist secret
    Row("keyword", 'password => ""', False),
    Row("keyword", f"password => {COMMON}", False),  # pragma: allowlist secret
]
# fmt: on


@pytest.fixture(scope="module")
def scanner() -> Scanner:
    return Scanner(hash_key=b"detect-secrets-tables")


def flagged(scanner: Scanner, row: Row) -> bool:
    if row.where == "cell":
        return bool(scanner.scan_notebook(notebook(code(row.payload))))
    return bool(scanner.scan_text(row.payload, row.where))


def _param(index: int, row: Row) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=row.gap)] if row.gap else []
    return pytest.param(row, id=f"{row.plugin}-{index}", marks=marks)


@pytest.mark.parametrize("row", [_param(i, r) for i, r in enumerate(ROWS)])
def test_detect_secrets_table_row(scanner: Scanner, row: Row) -> None:
    answer = flagged(scanner, row)
    assert answer == row.expected, (
        f"{row.plugin}: flagged={answer}, a notebook needs {row.expected}"
        + (f" ({row.why})" if row.why else f" (detect-secrets: {row.flag})")
    )


def test_every_difference_says_why() -> None:
    for row in ROWS:
        assert not (row.why and row.gap), f"{row.plugin}: a row is a reason or a gap, not both"
        if row.why:
            assert len(row.why) > 10, f"{row.plugin}: say why a notebook needs the other answer"
