/**
 * Rewrites of a hard-coded value: golden before/after cases for every form,
 * the cases that must give no rewrite, and seeded random cells.
 *
 * Checked outside Jest: every Python source these tests produce (the goldens
 * and the random cells) was run through IPython's input transformer
 * (`%secret`, `!` and `%%time` lines become Python) and `ast.parse` on
 * Python 3.11, whose f-string grammar is stricter than 3.12's (no reused
 * quotes inside a field); all parsed (the one test input that is itself not
 * Python, an unterminated string, was left out).
 */
import { describe, expect, it } from '@jest/globals';

import { isValidRef, suggestRef } from '../refSuggest';
import {
  IRewrite,
  Language,
  PRAGMA,
  REDACTED,
  allowLine,
  holderName,
  redact,
  rewriteWithRef
} from '../rewrite';

/** An obviously fake value, built at run time. */
const V = 'Tr0ub4dor' + 'X9q!';
const REF = 'dev/warehouse/password';
const IMPORT = 'from jupyter_secrets import secret';

/** The offsets of the one occurrence of `value` in `source`. */
function span(source: string, value = V): [number, number] {
  const start = source.indexOf(value);
  if (start < 0 || source.indexOf(value, start + 1) >= 0) {
    throw new Error(`need exactly one ${value} in ${source}`);
  }
  return [start, start + value.length];
}

function rewrite(
  source: string,
  language: Language = 'python',
  value = V
): IRewrite | null {
  const [start, end] = span(source, value);
  return rewriteWithRef(source, start, end, REF, language);
}

function importLines(source: string): number {
  return source
    .split(/\r?\n/)
    .filter(l =>
      /^\s*(from jupyter_secrets import|import jupyter_secrets)\b/.test(l)
    ).length;
}

interface IGolden {
  before: string;
  after: string;
  form: IRewrite['form'];
  name: string | null;
  language?: Language;
}

const GOLDEN: Record<string, IGolden> = {
  // Rule 2a: the whole right-hand side of an unindented assignment.
  'simple assignment': {
    before: `pw = "${V}"`,
    after: `pw = %secret ${REF}`,
    form: 'magic-assignment',
    name: 'pw'
  },
  'annotated assignment, comment moved above (the magic would take it as arguments)':
    {
      before: `x = 1\npw: str = '${V}'  # it's "the" db\ny = 2`,
      after: `x = 1\n# it's "the" db\npw: str = %secret ${REF}\ny = 2`,
      form: 'magic-assignment',
      name: 'pw'
    },
  'triple-quoted whole value': {
    before: `pw = """${V}"""\n`,
    after: `pw = %secret ${REF}\n`,
    form: 'magic-assignment',
    name: 'pw'
  },
  'raw and unicode prefixes are plain strings': {
    before: `PW=R'${V}'`,
    after: `PW = %secret ${REF}`,
    form: 'magic-assignment',
    name: 'PW'
  },
  'assignment in a %%time cell (its body gets the magic transforms)': {
    before: `%%time\npw = "${V}"`,
    after: `%%time\npw = %secret ${REF}`,
    form: 'magic-assignment',
    name: 'pw'
  },
  '%env line': {
    before: `%env API_KEY=${V}\nimport os`,
    after: `%secret ${REF} --env API_KEY\nimport os`,
    form: 'magic-assignment',
    name: 'API_KEY'
  },
  // Rule 2b: anywhere else the literal becomes a call.
  kwarg: {
    before: `conn = connect(user="me", password="${V}")`,
    after: `${IMPORT}\nconn = connect(user="me", password=secret("${REF}"))`,
    form: 'call',
    name: 'password'
  },
  'kwarg over lines': {
    before: `conn = connect(\n    user="me",\n    password=u'${V}',\n)`,
    after: `${IMPORT}\nconn = connect(\n    user="me",\n    password=secret("${REF}"),\n)`,
    form: 'call',
    name: 'password'
  },
  'dict value': {
    before: `cfg = {"user": "me", "password": '${V}'}`,
    after: `${IMPORT}\ncfg = {"user": "me", "password": secret("${REF}")}`,
    form: 'call',
    name: 'password'
  },
  'environ item': {
    before: `import os\nos.environ["API_KEY"] = "${V}"`,
    after: `${IMPORT}\nimport os\nos.environ["API_KEY"] = secret("${REF}")`,
    form: 'call',
    name: 'API_KEY'
  },
  'environ default': {
    before: `key = os.environ.get("API_KEY", "${V}")`,
    after: `${IMPORT}\nkey = os.environ.get("API_KEY", secret("${REF}"))`,
    form: 'call',
    name: 'API_KEY'
  },
  'positional argument': {
    before: `login(user, "${V}")`,
    after: `${IMPORT}\nlogin(user, secret("${REF}"))`,
    form: 'call',
    name: null
  },
  comparison: {
    before: `if key == "${V}":\n    print("ok")`,
    after: `${IMPORT}\nif key == secret("${REF}"):\n    print("ok")`,
    form: 'call',
    name: 'key'
  },
  'comparison, literal first': {
    before: `ok = "${V}" != token`,
    after: `${IMPORT}\nok = secret("${REF}") != token`,
    form: 'call',
    name: 'token'
  },
  'indented assignment': {
    before: `def f():\n    pw = "${V}"\n    return pw`,
    after: `${IMPORT}\ndef f():\n    pw = secret("${REF}")\n    return pw`,
    form: 'call',
    name: 'pw'
  },
  'assignment followed by more code': {
    before: `s = "# not a comment"; pw = "${V}"; go()`,
    after: `${IMPORT}\ns = "# not a comment"; pw = secret("${REF}"); go()`,
    form: 'call',
    name: 'pw'
  },
  'attribute assignment': {
    before: `cfg.password = "${V}"`,
    after: `${IMPORT}\ncfg.password = secret("${REF}")`,
    form: 'call',
    name: 'password'
  },
  'existing import': {
    before: `from jupyter_secrets import secret\nx = login("${V}")`,
    after: `from jupyter_secrets import secret\nx = login(secret("${REF}"))`,
    form: 'call',
    name: null
  },
  'existing import in a list, aliased': {
    before: `from jupyter_secrets import (\n    other,\n    secret as s,\n)\nx = login("${V}")`,
    after: `from jupyter_secrets import (\n    other,\n    secret as s,\n)\nx = login(s("${REF}"))`,
    form: 'call',
    name: null
  },
  'module import': {
    before: `import os, jupyter_secrets\nx = login("${V}")`,
    after: `import os, jupyter_secrets\nx = login(jupyter_secrets.secret("${REF}"))`,
    form: 'call',
    name: null
  },
  'star import': {
    before: `from jupyter_secrets import *\nx = login("${V}")`,
    after: `from jupyter_secrets import *\nx = login(secret("${REF}"))`,
    form: 'call',
    name: null
  },
  'a jupyter_secrets from another package is not ours': {
    before: `from vendor import jupyter_secrets\nx = login("${V}")`,
    after: `${IMPORT}\nfrom vendor import jupyter_secrets\nx = login(secret("${REF}"))`,
    form: 'call',
    name: null
  },
  'an import after the value does not count': {
    before: `x = login("${V}")\nfrom jupyter_secrets import secret`,
    after: `${IMPORT}\nx = login(secret("${REF}"))\nfrom jupyter_secrets import secret`,
    form: 'call',
    name: null
  },
  'a cell that binds secret itself uses the module': {
    before: `def f(secret):\n    return login(secret, "${V}")`,
    after: `import jupyter_secrets\ndef f(secret):\n    return login(secret, jupyter_secrets.secret("${REF}"))`,
    form: 'call',
    name: null
  },
  'cell magic stays first': {
    before: `%%time\nx = login("${V}")`,
    after: `%%time\n${IMPORT}\nx = login(secret("${REF}"))`,
    form: 'call',
    name: null
  },
  '__future__ imports stay first': {
    before: `# setup\nfrom __future__ import annotations\nx = login("${V}")`,
    after: `# setup\nfrom __future__ import annotations\n${IMPORT}\nx = login(secret("${REF}"))`,
    form: 'call',
    name: null
  },
  // Rule 3: part of a plain literal becomes an f-string.
  'URI userinfo': {
    before: `url = "postgresql+psycopg2://u:${V}@host/db"`,
    after: `${IMPORT}\nurl = f"postgresql+psycopg2://u:{secret('${REF}')}@host/db"`,
    form: 'f-string',
    name: 'postgresql_password'
  },
  'bearer header': {
    before: `h = {'Authorization': 'Bearer ${V}'}`,
    after: `${IMPORT}\nh = {'Authorization': f'Bearer {secret("${REF}")}'}`,
    form: 'f-string',
    name: 'Authorization'
  },
  'config text in a triple-quoted string, braces doubled': {
    before: `cfg = """\nuser: me\npassword: ${V}\nmap: {a: 1}\n"""`,
    after: `${IMPORT}\ncfg = f"""\nuser: me\npassword: {secret('${REF}')}\nmap: {{a: 1}}\n"""`,
    form: 'f-string',
    name: 'password'
  },
  "''' picks the other quote": {
    before: `ini = '''[db]\nPASSWORD=${V}\n'''`,
    after: `${IMPORT}\nini = f'''[db]\nPASSWORD={secret("${REF}")}\n'''`,
    form: 'f-string',
    name: 'PASSWORD'
  },
  'raw prefix kept': {
    before: `a = r"\\d{2}:${V}"`,
    after: `${IMPORT}\na = rf"\\d{{2}}:{secret('${REF}')}"`,
    form: 'f-string',
    name: 'a'
  },
  'u prefix dropped (uf is no prefix)': {
    before: `s = U"key=${V}"`,
    after: `${IMPORT}\ns = f"key={secret('${REF}')}"`,
    form: 'f-string',
    name: 'key'
  },
  'escaped quote and named escape stay': {
    before: `s = "a\\"b \\N{BULLET} {x} ${V}"`,
    after: `${IMPORT}\ns = f"a\\"b \\N{BULLET} {{x}} {secret('${REF}')}"`,
    form: 'f-string',
    name: 's'
  },
  "implicit concatenation 'it''s'": {
    before: `pw = 'it''${V}'`,
    after: `${IMPORT}\npw = 'it'f'{secret("${REF}")}'`,
    form: 'f-string',
    name: 'pw'
  },
  'concatenation over lines in parentheses': {
    before: `pw = (\n    "abc"\n    "${V}"\n)`,
    after: `${IMPORT}\npw = (\n    "abc"\n    f"{secret('${REF}')}"\n)`,
    form: 'f-string',
    name: 'pw'
  },
  // Rule 4: already an f-string.
  'f-string text part': {
    before: `u = f"https://{host}/api?token=${V}&x={{1}}"`,
    after: `${IMPORT}\nu = f"https://{host}/api?token={secret('${REF}')}&x={{1}}"`,
    form: 'f-string',
    name: 'token'
  },
  'f-string after a format spec': {
    before: `u = F'{n:>{w}} ${V}'`,
    after: `${IMPORT}\nu = F'{n:>{w}} {secret("${REF}")}'`,
    form: 'f-string',
    name: 'u'
  },
  // Rule 5: IPython shell lines expand {expr}.
  'shell line': {
    before: `!curl --token ${V} https://example.com`,
    after: `${IMPORT}\n!curl --token {secret('${REF}')} https://example.com`,
    form: 'shell',
    name: 'token'
  },
  'indented shell line with env var': {
    before: `if True:\n    !API_KEY="${V}" ./run.sh`,
    after: `${IMPORT}\nif True:\n    !API_KEY="{secret('${REF}')}" ./run.sh`,
    form: 'shell',
    name: 'API_KEY'
  },
  // Markdown, raw cells and files: a secret:// reference.
  'dotenv line': {
    before: `export API_KEY=${V}\nOTHER=1`,
    after: `export API_KEY=secret://${REF}\nOTHER=1`,
    form: 'reference',
    name: 'API_KEY',
    language: 'text'
  },
  'yaml key': {
    before: `db:\n  password: "${V}"\n`,
    after: `db:\n  password: "secret://${REF}"\n`,
    form: 'reference',
    name: 'password',
    language: 'text'
  },
  'ini key': {
    before: `[db]\npassword = ${V}`,
    after: `[db]\npassword = secret://${REF}`,
    form: 'reference',
    name: 'password',
    language: 'text'
  },
  'uri in text': {
    before: `url: mysql://root:${V}@db`,
    after: `url: mysql://root:secret://${REF}@db`,
    form: 'reference',
    name: 'mysql_password',
    language: 'text'
  },
  'markdown prose': {
    before: `Log in with the password \`${V}\`.`,
    after: `Log in with the password \`secret://${REF}\`.`,
    form: 'reference',
    name: 'password',
    language: 'markdown'
  },
  'markdown without a key': {
    before: `See ${V} for details.`,
    after: `See secret://${REF} for details.`,
    form: 'reference',
    name: null,
    language: 'markdown'
  }
};

describe('rewriteWithRef golden cases', () => {
  it.each(Object.entries(GOLDEN))('%s', (_title, c) => {
    const out = rewrite(c.before, c.language);
    expect(out).toEqual({ source: c.after, name: c.name, form: c.form });
    const [start, end] = span(c.before);
    expect(holderName(c.before, start, end, c.language)).toBe(c.name);
  });

  it('has a case for every form', () => {
    const forms = new Set(Object.values(GOLDEN).map(c => c.form));
    expect([...forms].sort()).toEqual(
      ['call', 'f-string', 'magic-assignment', 'reference', 'shell'].sort()
    );
  });
});

describe('rewriteWithRef gives no rewrite', () => {
  it.each([
    ['bytes', `pw = b"${V}"`, V],
    ['raw bytes', `pw = Rb'${V}'`, V],
    ['t-string (a Template, not a str)', `pw = t"${V}"`, V],
    ['inside an f-string field', `u = f"{'${V}'}"`, V],
    ['inside an f-string format spec', `u = f"{x:0999}"`, '0999'],
    ['not in a string', `pw = ZqZqZq`, 'ZqZqZq'],
    ['in a comment', `x = 1  # password: ${V}`, V],
    ['unterminated string', `pw = "${V}\nx = 1`, V],
    ['%%bash cell', `%%bash\ncurl -u me:${V} x`, V],
    ['%%sh cell', `%%sh\necho "${V}"`, V],
    ['%%script cell', `%%script bash\necho "${V}"`, V],
    ['%%html cell', `%%html\n<p title="${V}">`, V],
    [
      'shell line with $ (expansion is all or nothing)',
      `!curl -H "X: $HOME" --token ${V}`,
      V
    ],
    ['shell line with braces', `!awk '{print}' --token ${V}`, V],
    ['line magic', `%config Foo.key = "${V}"`, V]
  ])('%s', (_title, source, value) => {
    expect(rewrite(source, 'python', value)).toBeNull();
  });

  it('when the value runs outside its literal', () => {
    const source = `pw = "ab" + "cd"`;
    expect(rewriteWithRef(source, 7, 14, REF, 'python')).toBeNull(); // b" + "c
    expect(rewriteWithRef(source, 5, 8, REF, 'python')).toBeNull(); // "ab (a quote)
  });

  it('still names the holder for a bytes literal or a comment', () => {
    const bytes = `pw = b"${V}"`;
    expect(holderName(bytes, ...span(bytes))).toBe('pw');
    const comment = `x = 1  # password: ${V}`;
    expect(holderName(comment, ...span(comment))).toBe('password');
  });
});

describe('offsets', () => {
  it('are UTF-16 indices: unicode before the value', () => {
    const before = `# café 🔑 naïve\nnote = "🔑 é"\nconn = connect(password="${V}")`;
    const out = rewrite(before);
    expect(out?.source).toBe(
      `${IMPORT}\n# café 🔑 naïve\nnote = "🔑 é"\nconn = connect(password=secret("${REF}"))`
    );
    const uri = `u = "🔑://é:${V}@h"`;
    expect(rewrite(uri)?.source).toBe(
      `${IMPORT}\nu = f"🔑://é:{secret('${REF}')}@h"`
    );
    expect(redact(before, ...span(before))).toBe(before.replace(V, REDACTED));
  });

  it('keep CRLF line ends', () => {
    const before = `x = 1\r\npw = "${V}"  # db\r\ny = 2\r\n`;
    expect(rewrite(before)?.source).toBe(
      `x = 1\r\n# db\r\npw = %secret ${REF}\r\ny = 2\r\n`
    );
    const call = `%%time\r\nx = login("${V}")\r\n`;
    expect(rewrite(call)?.source).toBe(
      `%%time\r\n${IMPORT}\r\nx = login(secret("${REF}"))\r\n`
    );
    const text = `cfg = """\r\npassword: ${V}\r\n"""`;
    expect(rewrite(text)?.source).toBe(
      `${IMPORT}\r\ncfg = f"""\r\npassword: {secret('${REF}')}\r\n"""`
    );
  });

  it('out of the source, reversed, empty or splitting a surrogate pair throw', () => {
    const s = 'pw = "🔑"';
    expect(() => redact(s, 3, 99)).toThrow(RangeError);
    expect(() => redact(s, -1, 2)).toThrow(RangeError);
    expect(() => redact(s, 4, 4)).toThrow(RangeError);
    expect(() => redact(s, 1.5, 3)).toThrow(RangeError);
    expect(() => rewriteWithRef(s, 6, 7, REF, 'python')).toThrow(RangeError);
    expect(() => holderName(s, 7, 8)).toThrow(RangeError);
    expect(() => allowLine(s, 99, 'python')).toThrow(RangeError);
    expect(rewriteWithRef(s, 6, 8, REF, 'python')?.form).toBe(
      'magic-assignment'
    );
  });
});

describe('refs written into code', () => {
  it.each(['dev/x") or print("', 'dev', "dev/x'}", 'secret://dev/x', ''])(
    'an invalid ref %j throws',
    ref => {
      const s = `pw = "${V}"`;
      expect(() => rewriteWithRef(s, ...span(s), ref, 'python')).toThrow(
        /not a valid secret ref/
      );
    }
  );
});

describe('redact', () => {
  it('replaces exactly the value', () => {
    const s = `conn = connect(password="${V}")`;
    expect(redact(s, ...span(s))).toBe(
      `conn = connect(password="${REDACTED}")`
    );
    expect(redact(V, 0, V.length)).toBe(REDACTED);
  });
});

describe('allowLine', () => {
  const at = (s: string) => span(s)[0];

  it.each([
    [
      'python line',
      `pw = "${V}"\nx = 1`,
      `pw = "${V}"  # ${PRAGMA}\nx = 1`,
      'python'
    ],
    [
      'trailing spaces trimmed',
      `pw = "${V}"   `,
      `pw = "${V}"  # ${PRAGMA}`,
      'python'
    ],
    [
      'a line with a comment',
      `pw = "${V}"  # it's "x"`,
      `pw = "${V}"  # it's "x"  # ${PRAGMA}`,
      'python'
    ],
    [
      'a # inside the string',
      `pw = "#${V}"`,
      `pw = "#${V}"  # ${PRAGMA}`,
      'python'
    ],
    [
      'CRLF',
      `a = 1\r\npw = "${V}"\r\nb = 2`,
      `a = 1\r\npw = "${V}"  # ${PRAGMA}\r\nb = 2`,
      'python'
    ],
    [
      'last line of a triple-quoted string',
      `cfg = """\npassword: ${V}"""`,
      `cfg = """\npassword: ${V}"""  # ${PRAGMA}`,
      'python'
    ],
    [
      'the end of a backslash-continued string',
      `s = "a\\\n${V}"`,
      `s = "a\\\n${V}"  # ${PRAGMA}`,
      'python'
    ],
    [
      'shell line',
      `!curl --token ${V}`,
      `!curl --token ${V}  # ${PRAGMA}`,
      'python'
    ],
    [
      '%env line: its arguments would swallow a comment',
      `if 1:\n    %env KEY=${V}`,
      `if 1:\n    # pragma: allowlist nextline secret\n    %env KEY=${V}`,
      'python'
    ],
    [
      'a line joined to the next by a backslash',
      `x = "${V}" + \\\n    "y"`,
      `# pragma: allowlist nextline secret\nx = "${V}" + \\\n    "y"`,
      'python'
    ],
    [
      'after an unterminated string on an earlier line',
      `s = "oops\npw = "${V}"`,
      `s = "oops\npw = "${V}"  # ${PRAGMA}`,
      'python'
    ],
    [
      '%%bash cell',
      `%%bash\necho ${V}`,
      `%%bash\necho ${V}  # ${PRAGMA}`,
      'python'
    ],
    [
      'markdown',
      `The password is \`${V}\`\nmore`,
      `The password is \`${V}\` <!-- ${PRAGMA} -->\nmore`,
      'markdown'
    ],
    ['text', `API_KEY=${V}\r\nX=1`, `API_KEY=${V} # ${PRAGMA}\r\nX=1`, 'text']
  ])('%s', (_title, before, after, language) => {
    expect(allowLine(before, at(before), language as Language)).toBe(after);
  });

  it('leaves a line that has the pragma unchanged', () => {
    const s = `pw = "${V}"  # ${PRAGMA}`;
    expect(allowLine(s, at(s), 'python')).toBe(s);
    const above = `x = 1\n# pragma: allowlist nextline secret\npw = "${V}"`;
    expect(allowLine(above, at(above), 'python')).toBe(above);
    const md = `\`${V}\` <!-- ${PRAGMA} -->`;
    expect(allowLine(md, at(md), 'markdown')).toBe(md);
  });

  it.each([
    ['inside a multi-line string', `cfg = """\npassword: ${V}\n"""`],
    [
      'on the first line of a multi-line string',
      `cfg = """password: ${V}\n"""`
    ],
    ['unterminated string', `pw = "${V}`],
    ['%%html cell', `%%html\n<p>${V}</p>`],
    ['the cell magic line itself', `%%time ${V}\nx = 1`],
    ['a joined line after a joined line', `x = 1 + \\\n  len("${V}") + \\\n  2`]
  ])('gives null %s', (_title, source) => {
    expect(allowLine(source, at(source), 'python')).toBeNull();
  });
});

/** A small seeded PRNG (mulberry32): the same cells on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('random cells', () => {
  const rand = prng(7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  // No quote, backslash, brace, $ or line break: those would change the
  // literal around the value, not just the value.
  const CHARS =
    'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789-_.~+/=%#!@*^&()[]<>?,;:| ';
  const value = () => {
    let v = 'Zq';
    const n = 10 + Math.floor(rand() * 30);
    for (let i = 0; i < n; i++) {
      v += pick([...CHARS]);
    }
    return v + '9';
  };
  const NAMES = [
    'pw',
    'password',
    'DB_PASSWORD',
    'apiKey',
    'token',
    'x',
    'snowflakePassword'
  ];
  const QUOTES = ['"', "'", '"""', "'''"];
  const templates: Array<(v: string) => string> = [
    v => `${pick(NAMES)} = ${pick(QUOTES).replace(/.+/, q => q + v + q)}`,
    v => `${pick(NAMES)}: str = "${v}"  # note`,
    v => `conn = connect(host="h", ${pick(NAMES)}='${v}')`,
    v => `cfg = {"${pick(NAMES)}": "${v}", 'n': {1: 2}}`,
    v => `os.environ["${pick(NAMES)}"] = '''${v}'''`,
    v =>
      `url = "${pick(['postgresql', 'mysql+pymysql', 'redis'])}://user:${v}@db.example.com:5432/x?a={b}"`,
    v => `def f(a):\n    if a == "${v}":\n        return {"k": a}`,
    v => `x = f"{a!r:>{w}} token=${v} {{lit}}"`,
    v => `cfg = """\n[db]\npassword = ${v}\nother = {x}\n"""`,
    v => `h = {"Authorization": "Bearer ${v}"}`,
    v => `!curl -s --password '${v}' https://example.com`
  ];
  const HEADS = [
    '',
    '%%time\n',
    '# don\'t "quote" me\n',
    'from __future__ import annotations\n',
    'from jupyter_secrets import secret\n',
    'import jupyter_secrets as js\n',
    's = "it\'s # no comment"\n'
  ];

  it('never keep the value, always hold the ref and one import', () => {
    for (let n = 0; n < 600; n++) {
      const v = value();
      const eol = rand() < 0.3 ? '\r\n' : '\n';
      const cell = (
        pick(HEADS) +
        pick(templates)(v) +
        pick(['', '\nprint(1)\n'])
      ).replace(/\n/g, eol);
      const [start, end] = span(cell, v);
      const out = rewriteWithRef(cell, start, end, REF, 'python');
      const where = JSON.stringify(cell);
      if (out === null) {
        throw new Error(`no rewrite for ${where}`);
      }
      expect({ where, kept: out.source.includes(v) }).toEqual({
        where,
        kept: false
      });
      expect(out.source).toContain(REF);
      if (
        out.form === 'call' ||
        out.form === 'f-string' ||
        out.form === 'shell'
      ) {
        expect({ where, imports: importLines(out.source) }).toEqual({
          where,
          imports: 1
        });
      }
      expect(holderName(cell, start, end)).toBe(out.name);
      expect(out.source.includes('\r\n')).toBe(cell.includes('\r\n'));
      const allowed = allowLine(cell, start, 'python');
      if (allowed !== null) {
        expect(allowed).toContain(PRAGMA);
      }
      expect(redact(cell, start, end)).toBe(cell.replace(v, REDACTED));
    }
  });
});

describe('names feed suggestRef', () => {
  it('every golden name gives a ref the rewrite accepts', () => {
    for (const c of Object.values(GOLDEN)) {
      const ref = suggestRef(c.name, { scope: 'dev', group: 'nb' });
      expect(isValidRef(ref)).toBe(true);
      const [start, end] = span(c.before);
      expect(
        rewriteWithRef(c.before, start, end, ref, c.language ?? 'python')
          ?.source
      ).toContain(ref);
    }
  });
});
