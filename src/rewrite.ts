/**
 * Source rewrites behind the "Move to secret store", "Redact" and "Allow"
 * fixes: replace a hard-coded value in a cell by a reference to the secret
 * store, by the redaction marker, or mark its line as allowed. Pure: no
 * JupyterLab, no DOM.
 *
 * Offsets are JavaScript string indices (UTF-16 code units) into the source,
 * `start` inclusive, `end` exclusive, covering exactly the value (no quotes).
 * An offset outside the source, or one that splits a surrogate pair, is a
 * stale or miscounted finding: every function throws a RangeError for it
 * rather than edit the wrong characters.
 */

import { isValidRef } from './refSuggest';

export type Language = 'python' | 'markdown' | 'text';

export interface IRewrite {
  /** The new cell source. */
  source: string;
  /** The variable/kwarg/key/env name that held the literal, for suggestRef. */
  name: string | null;
  form: 'magic-assignment' | 'call' | 'f-string' | 'shell' | 'reference';
}

/** The marker the server writes in place of a redacted value. */
export const REDACTED = '[REDACTED]';
/** What the scanner looks for on a line (engine.py PRAGMA). */
export const PRAGMA = 'pragma: allowlist secret';
/** On the line before, allows the next line (engine.py PRAGMA_NEXTLINE). */
export const PRAGMA_NEXTLINE = 'pragma: allowlist nextline secret';

const IMPORT = 'from jupyter_secrets import secret';
const IMPORT_MODULE = 'import jupyter_secrets';

/** Cell magics that run their body as Python in the kernel (with IPython's transforms). */
const PYTHON_CELL_MAGICS = new Set(['time', 'timeit', 'capture', 'prun']);
/** Cell magics whose body is shell: `#` comments, but no Python to rewrite. */
const SHELL_CELL_MAGICS = new Set(['bash', 'sh', 'script']);

// ---------------------------------------------------------------------------
// A tokenizer for the parts of Python (and IPython) that matter here: string
// literals (prefixes, quotes, escapes, f-string fields), comments, brackets,
// names and operators, and IPython `!` / `%` lines. A regex alone cannot tell
// a quote inside a comment or another string from one that opens a literal.

interface IStringLiteral {
  start: number; // where the prefix starts
  bodyStart: number;
  bodyEnd: number;
  end: number; // after the closing quote
  prefix: string;
  quote: string; // ' " ''' or """
  closed: boolean;
  /** f-string replacement fields, [start, end) including their braces. */
  fields: Array<[number, number]>;
}

interface IToken {
  kind: 'name' | 'op' | 'string' | 'comment' | 'magic' | 'newline';
  start: number;
  end: number;
  text: string;
  /** Bracket depth the token sits at. */
  depth: number;
  str?: IStringLiteral;
}

// t-strings (3.14) build a Template, not a str: scanned, never rewritten.
const PREFIXES = new Set('r u f b t br rb fr rf tr rt'.split(' '));
const TWO_CHAR_OPS = new Set(
  '== != <= >= := -> ** // << >> += -= *= /= %= &= |= ^= @='.split(' ')
);

function isIdentChar(c: string): boolean {
  // Non-ASCII counts as identifier: outside strings it can only be a name.
  return /[A-Za-z0-9_]/.test(c) || c.charCodeAt(0) > 0x7f;
}

function isQuote(c: string | undefined): boolean {
  return c === '"' || c === "'";
}

function isNewline(c: string | undefined): boolean {
  return c === '\n' || c === '\r';
}

/** Index of the line break ending the line that holds `i` (or the source's length). */
function lineEnd(src: string, i: number): number {
  let j = i;
  while (j < src.length && !isNewline(src[j])) {
    j++;
  }
  return j;
}

function lineStart(src: string, i: number): number {
  let j = i;
  while (j > 0 && !isNewline(src[j - 1])) {
    j--;
  }
  return j;
}

/** The string literal whose opening quote is at `q` (prefix from `start`). */
function scanString(
  src: string,
  start: number,
  q: number,
  prefix: string
): IStringLiteral {
  const c = src[q];
  const quote = src.startsWith(c.repeat(3), q) ? c.repeat(3) : c;
  const triple = quote.length === 3;
  const p = prefix.toLowerCase();
  const templated = p.includes('f') || p.includes('t');
  const raw = p.includes('r');
  const fields: Array<[number, number]> = [];
  const bodyStart = q + quote.length;
  let j = bodyStart;
  while (j < src.length) {
    const ch = src[j];
    if (ch === '\\') {
      if (templated && !raw && src[j + 1] === 'N' && src[j + 2] === '{') {
        // \N{NAME}: its braces are no field.
        const close = src.indexOf('}', j);
        j = close < 0 ? src.length : close + 1;
      } else if (templated && src[j + 1] === '{') {
        j += 1; // a backslash does not stop a field
      } else {
        j += src.startsWith('\r\n', j + 1) ? 3 : 2;
      }
      continue;
    }
    if (!triple && isNewline(ch)) {
      break;
    }
    if (src.startsWith(quote, j)) {
      return {
        start,
        bodyStart,
        bodyEnd: j,
        end: j + quote.length,
        prefix,
        quote,
        closed: true,
        fields
      };
    }
    if (templated && ch === '{') {
      if (src[j + 1] === '{') {
        j += 2;
        continue;
      }
      const k = scanField(src, j, quote);
      fields.push([j, k]);
      j = k;
      continue;
    }
    j++;
  }
  const stop = Math.min(j, src.length);
  return {
    start,
    bodyStart,
    bodyEnd: stop,
    end: stop,
    prefix,
    quote,
    closed: false,
    fields
  };
}

/** End of the f-string field opening at `j`: expression, `!conversion`, `:spec`. */
function scanField(src: string, j: number, quote: string): number {
  let k = j + 1;
  let depth = 0;
  while (k < src.length) {
    const c = src[k];
    if (quote.length === 1 && isNewline(c)) {
      return k;
    }
    if (isQuote(c)) {
      k = scanString(src, k, k, '').end; // a nested string (any quote since 3.12)
      continue;
    }
    if (isIdentChar(c)) {
      let w = k;
      while (w < src.length && isIdentChar(src[w])) {
        w++;
      }
      const word = src.slice(k, w).toLowerCase();
      k =
        isQuote(src[w]) && PREFIXES.has(word)
          ? scanString(src, k, w, word).end
          : w;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') {
      depth++;
    } else if (c === ')' || c === ']') {
      depth--;
    } else if (c === '}') {
      if (depth === 0) {
        return k + 1;
      }
      depth--;
    } else if (depth === 0 && c === '!' && src[k + 1] !== '=') {
      k += 2; // !r, !s, !a
      continue;
    } else if (depth === 0 && c === ':') {
      return scanSpec(src, k + 1, quote);
    }
    k++;
  }
  return k;
}

/** End of a format spec: literal text with nested fields, up to the field's `}`. */
function scanSpec(src: string, k: number, quote: string): number {
  while (k < src.length) {
    const c = src[k];
    if ((quote.length === 1 && isNewline(c)) || src.startsWith(quote, k)) {
      return k; // unterminated field: the literal ends here
    }
    if (c === '{') {
      k = scanField(src, k, quote);
      continue;
    }
    if (c === '}') {
      return k + 1;
    }
    k++;
  }
  return k;
}

function tokenize(src: string): IToken[] {
  const toks: IToken[] = [];
  let depth = 0;
  let atLineStart = true;
  const push = (
    kind: IToken['kind'],
    start: number,
    end: number,
    str?: IStringLiteral
  ) => toks.push({ kind, start, end, text: src.slice(start, end), depth, str });
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (isNewline(c)) {
      // Only a line break outside brackets ends a statement.
      if (
        depth === 0 &&
        toks.length > 0 &&
        toks[toks.length - 1].kind !== 'newline'
      ) {
        push('newline', i, i + 1);
      }
      atLineStart = true;
      i++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\f') {
      i++;
      continue;
    }
    if (c === '\\' && isNewline(src[i + 1])) {
      i += src.startsWith('\r\n', i + 1) ? 3 : 2; // explicit line joining
      atLineStart = false;
      continue;
    }
    const first = atLineStart;
    atLineStart = false;
    if (first && depth === 0 && (c === '!' || c === '%')) {
      push('magic', i, lineEnd(src, i)); // IPython: shell line or line/cell magic
      i = lineEnd(src, i);
    } else if (c === '#') {
      push('comment', i, lineEnd(src, i));
      i = lineEnd(src, i);
    } else if (isQuote(c)) {
      const s = scanString(src, i, i, '');
      push('string', s.start, s.end, s);
      i = s.end;
    } else if (isIdentChar(c)) {
      let j = i;
      while (j < src.length && isIdentChar(src[j])) {
        j++;
      }
      const word = src.slice(i, j);
      if (isQuote(src[j]) && PREFIXES.has(word.toLowerCase())) {
        const s = scanString(src, i, j, word);
        push('string', s.start, s.end, s);
        i = s.end;
      } else {
        push('name', i, j);
        i = j;
      }
    } else if (c === '(' || c === '[' || c === '{') {
      push('op', i, i + 1);
      depth++;
      i++;
    } else if (c === ')' || c === ']' || c === '}') {
      depth = Math.max(0, depth - 1);
      push('op', i, i + 1);
      i++;
    } else {
      const n = TWO_CHAR_OPS.has(src.slice(i, i + 2)) ? 2 : 1;
      push('op', i, i + n);
      i += n;
    }
  }
  return toks;
}

// ---------------------------------------------------------------------------
// Names: what held the value, for suggestRef.

const KEYWORDS = new Set(
  `False None True and as assert async await break class continue def del elif
  else except finally for from global if import in is lambda nonlocal not or
  pass raise return try while with yield`.split(/\s+/)
);
/** Calls whose first argument names the value in their second: os.environ.get("API_KEY", "v"). */
const ENV_CALLS = new Set(['get', 'getenv', 'setdefault', 'putenv']);

function isName(t: IToken | undefined): t is IToken & { kind: 'name' } {
  return (
    t !== undefined &&
    t.kind === 'name' &&
    !/^[0-9]/.test(t.text) &&
    !KEYWORDS.has(t.text)
  );
}

/** The body of a plain string token used as a key, e.g. "API_KEY" in environ["API_KEY"]. */
function keyString(src: string, t: IToken | undefined): string | null {
  const s = t?.str;
  if (!s || !s.closed || s.fields.length > 0) {
    return null;
  }
  return src.slice(s.bodyStart, s.bodyEnd) || null;
}

/** The name holding the literal token toks[i]: assignment target, kwarg, dict key, environ key, compared name. */
function holderOf(src: string, toks: IToken[], literal: number): string | null {
  const at = (k: number): IToken | undefined => toks[k];
  // "a" "v" is one expression: look around the whole concatenation.
  let i = literal;
  // ("v") is the same expression too, unless the bracket opens a call.
  const grouping = (k: number) =>
    at(k)?.text === '(' &&
    at(k - 1)?.kind !== 'name' &&
    at(k - 1)?.text !== ')' &&
    at(k - 1)?.text !== ']';
  while (at(i - 1)?.kind === 'string' || grouping(i - 1)) {
    i--;
  }
  let last = literal;
  while (at(last + 1)?.kind === 'string') {
    last++;
  }
  const prev = at(i - 1);
  const p2 = at(i - 2);
  // "v" == key: the comparison, before any assignment around it
  const next = at(last + 1);
  const n3 = at(last + 3)?.text;
  if (
    (next?.text === '==' || next?.text === '!=') &&
    isName(at(last + 2)) &&
    n3 !== '.' &&
    n3 !== '(' &&
    n3 !== '['
  ) {
    return toks[last + 2].text; // "v" == key
  }
  if (prev?.text === '=') {
    // pw: str = "v" (the statement opens with NAME ':')
    let s = i - 1;
    while (
      s > 0 &&
      toks[s - 1].kind !== 'newline' &&
      toks[s - 1].text !== ';'
    ) {
      s--;
    }
    if (prev.depth === 0 && isName(at(s)) && at(s + 1)?.text === ':') {
      return toks[s].text;
    }
    if (isName(p2)) {
      return p2.text; // pw = "v", connect(password="v"), cfg.password = "v"
    }
    if (p2?.text === ']' && at(i - 4)?.text === '[') {
      return keyString(src, at(i - 3)); // os.environ["API_KEY"] = "v"
    }
    return null;
  }
  if (prev?.text === ':' && p2?.kind === 'string') {
    return keyString(src, p2); // {"password": "v"}
  }
  if (prev?.text === '==' || prev?.text === '!=') {
    if (isName(p2)) {
      return p2.text;
    }
    return p2?.text === ']' ? keyString(src, at(i - 3)) : null;
  }
  const fn = at(i - 4);
  if (
    prev?.text === ',' &&
    p2?.kind === 'string' &&
    at(i - 3)?.text === '(' &&
    isName(fn) &&
    ENV_CALLS.has(fn.text)
  ) {
    return keyString(src, p2); // os.environ.get("API_KEY", "v")
  }
  return null; // a positional argument or anything else: no obvious name
}

/** `scheme_password` when the value is the password of a URI's userinfo. */
function uriName(before: string, after: string): string | null {
  const m = /([A-Za-z][A-Za-z0-9+.-]*):\/\/[^\s/@:]*:$/.exec(before);
  return m && after.startsWith('@')
    ? `${m[1].split(/[+.-]/)[0]}_password`
    : null;
}

/** The key of `key: value`, `key = value`, `KEY=value` (quotes allowed) ending `before`. */
function keyName(before: string): string | null {
  return (
    /([A-Za-z_][A-Za-z0-9_.-]*)["'`]?\s*[:=]\s*["'`]?$/.exec(before)?.[1] ??
    null
  );
}

/** The text before and after [start, end) on its line, within [from, to). */
function around(
  src: string,
  start: number,
  end: number,
  from = 0,
  to = src.length
): [string, string] {
  const ls = Math.max(from, lineStart(src, start));
  const le = Math.min(to, lineEnd(src, end));
  return [src.slice(ls, start), src.slice(end, Math.max(end, le))];
}

/** A name from the value's line alone (config text, markdown, comments). */
function lineName(
  src: string,
  start: number,
  end: number,
  markdown: boolean
): string | null {
  const [before, after] = around(src, start, end);
  const name = uriName(before, after) ?? keyName(before);
  if (name || !markdown) {
    return name;
  }
  // "the password is `v`": a credential word just before the value
  const m =
    /\b(password|passwd|pwd|token|secret|api[ _-]?key|key)\b[^A-Za-z0-9]*(?:\b(?:is|was)\b[^A-Za-z0-9]*)?$/i.exec(
      before
    );
  return m ? m[1] : null;
}

/** `--password v`, `TOKEN=v cmd` on a shell line. */
function shellName(before: string, after: string): string | null {
  return (
    uriName(before, after) ??
    /(?:^|\s)--([A-Za-z][\w-]+)(?:=|\s+)["']?$/.exec(before)?.[1] ??
    /(?:^|[\s!])([A-Za-z_]\w*)=["']?$/.exec(before)?.[1] ??
    null
  );
}

// ---------------------------------------------------------------------------
// Imports: how the rewritten cell reaches `secret`.

interface ICallee {
  /** What to call: `secret`, an alias, or `jupyter_secrets.secret`. */
  callee: string;
  /** The import line to add, or null when the cell has one already. */
  line: string | null;
}

function secretCallee(toks: IToken[], before: number): ICallee {
  let fromName: string | null = null;
  let moduleName: string | null = null;
  let conflict = false;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.kind !== 'name') {
      continue;
    }
    if (t.text === 'from' || t.text === 'import') {
      // Read `from M import a [as b], ...` or `import M [as b], ...` to its end.
      const from = t.text === 'from';
      let j = i + 1;
      let module = '';
      const dotted = (k: number) =>
        (toks[k]?.kind === 'name' && toks[k].text !== 'import') ||
        toks[k]?.text === '.';
      while (from && dotted(j)) {
        module += toks[j++].text;
      }
      if (from && toks[j]?.text !== 'import') {
        continue;
      }
      if (from) {
        j++;
      }
      const ours = t.start < before && module === 'jupyter_secrets';
      while (
        j < toks.length &&
        toks[j].kind !== 'newline' &&
        toks[j].text !== ';'
      ) {
        let name = '';
        while (
          j < toks.length &&
          (toks[j].kind === 'name' || toks[j].text === '.') &&
          toks[j].text !== 'as'
        ) {
          name += toks[j++].text;
        }
        let alias = name;
        if (toks[j]?.text === 'as' && toks[j + 1]?.kind === 'name') {
          alias = toks[j + 1].text;
          j += 2;
        }
        if (ours && (name === 'secret' || toks[j]?.text === '*')) {
          fromName = name === 'secret' ? alias : 'secret'; // __all__ has it
        }
        if (t.start < before && !from && name === 'jupyter_secrets') {
          moduleName = alias;
        }
        if (name === '') {
          j++; // ( ) , *
        }
      }
      i = j;
      continue;
    }
    if (t.text === 'secret') {
      // `secret` bound to anything but the function (a variable, a parameter,
      // a def): calling it would call that, so use the module's name.
      const p = toks[i - 1]?.text;
      if (
        p !== '.' &&
        (toks[i + 1]?.text !== '(' || p === 'def' || p === 'class')
      ) {
        conflict = true;
      }
    }
  }
  if (conflict) {
    return moduleName
      ? { callee: `${moduleName}.secret`, line: null }
      : { callee: 'jupyter_secrets.secret', line: IMPORT_MODULE };
  }
  if (fromName) {
    return { callee: fromName, line: null };
  }
  if (moduleName) {
    return { callee: `${moduleName}.secret`, line: null };
  }
  return { callee: 'secret', line: IMPORT };
}

function eolOf(src: string): string {
  return src.includes('\r\n') ? '\r\n' : '\n';
}

function nextLine(src: string, i: number): number {
  const e = lineEnd(src, i);
  return src.startsWith('\r\n', e) ? e + 2 : Math.min(src.length, e + 1);
}

/**
 * `line` as a new first line, after a `%%cellmagic` line (it must stay first)
 * and after leading `from __future__` imports (they must come first).
 */
function addImport(src: string, line: string | null): string {
  if (line === null) {
    return src;
  }
  const eol = eolOf(src);
  let pos = src.startsWith('%%') ? nextLine(src, 0) : 0;
  for (let at = pos; at < src.length; at = nextLine(src, at)) {
    const text = src.slice(at, lineEnd(src, at)).trim();
    if (/^from\s+__future__\s+import\b/.test(text)) {
      pos = nextLine(src, at);
    } else if (text !== '' && !text.startsWith('#')) {
      break;
    }
  }
  const head = src.slice(0, pos);
  const sep = head !== '' && !isNewline(head[head.length - 1]) ? eol : '';
  return head + sep + line + eol + src.slice(pos);
}

/** The cell magic on the cell's first line (`time` for `%%time`), or null. */
function cellMagic(src: string): string | null {
  return /^%%([A-Za-z_]\w*)/.exec(src)?.[1] ?? null;
}

// ---------------------------------------------------------------------------
// Rewrites.

/** What the analysis of a value found: the holder's name and, when safe, the rewrite. */
interface IPlan {
  name: string | null;
  build: ((ref: string) => IRewrite) | null;
}

/** The quote for `secret('...')` inside a literal quoted by `quote`: never the same character. */
function innerQuote(quote: string): string {
  return quote[0] === '"' ? "'" : '"';
}

/** The body of plain literal `s` as an f-string body: braces doubled, [start, end) replaced by `field`. */
function asFStringBody(
  src: string,
  s: IStringLiteral,
  start: number,
  end: number,
  field: string
): string {
  const raw = s.prefix.toLowerCase().includes('r');
  const brace = (c: string) => (c === '{' || c === '}' ? c + c : c);
  let out = '';
  let i = s.bodyStart;
  while (i < s.bodyEnd) {
    if (i === start) {
      out += field;
      i = end;
      continue;
    }
    const c = src[i];
    if (!raw && src.startsWith('\\N{', i)) {
      // \N{NAME} stays as it is: its braces are part of the escape.
      const close = src.indexOf('}', i) + 1;
      if (close > 0 && close <= s.bodyEnd && !(start > i && start < close)) {
        out += src.slice(i, close);
        i = close;
        continue;
      }
    }
    if (c === '\\' && !raw && i + 1 < s.bodyEnd && i + 1 !== start) {
      out += c + brace(src[i + 1]); // keep escape pairs together: "\\N{x}" is no \N escape
      i += 2;
      continue;
    }
    out += brace(c);
    i++;
  }
  return out;
}

function planPython(src: string, start: number, end: number): IPlan {
  const fallback: IPlan = {
    name: lineName(src, start, end, false),
    build: null
  };
  const magic = cellMagic(src);
  if (magic !== null && !PYTHON_CELL_MAGICS.has(magic)) {
    return fallback; // %%bash, %%html, %%sql...: not Python
  }
  const toks = tokenize(src);
  const hit = toks.filter(t => t.start < end && start < t.end);
  if (hit.length !== 1) {
    return fallback; // not in any token (bare value) or spanning several
  }
  const t = hit[0];
  const i = toks.indexOf(t);
  if (t.kind === 'magic') {
    return planMagic(src, toks, t, start, end);
  }
  const s = t.str;
  if (!s) {
    return fallback; // a comment, a name, a number
  }
  const holder = holderOf(src, toks, i);
  const p = s.prefix.toLowerCase();
  if (
    !s.closed ||
    start < s.bodyStart ||
    end > s.bodyEnd ||
    p.includes('b') ||
    p.includes('t')
  ) {
    return { name: holder, build: null };
  }
  const { callee, line } = secretCallee(toks, s.start);
  const field = (ref: string) => {
    const q = innerQuote(s.quote);
    return `{${callee}(${q}${ref}${q})}`;
  };
  const [before, after] = around(src, start, end, s.bodyStart, s.bodyEnd);
  const partName = uriName(before, after) ?? keyName(before) ?? holder;

  if (p.includes('f')) {
    // Rule 4: already an f-string; a value inside a {field} is code, not text.
    if (s.fields.some(([a, b]) => start < b && a < end)) {
      return { name: partName, build: null };
    }
    return {
      name: partName,
      build: ref => ({
        source: addImport(
          src.slice(0, start) + field(ref) + src.slice(end),
          line
        ),
        name: partName,
        form: 'f-string'
      })
    };
  }

  const whole = start === s.bodyStart && end === s.bodyEnd;
  // "a" "v": one piece of an implicit concatenation cannot become a call.
  const joined =
    toks[i - 1]?.kind === 'string' || toks[i + 1]?.kind === 'string';
  if (!whole || joined) {
    // Rule 3: part of a plain literal: make it an f-string.
    const prefix = s.prefix.replace(/[uU]/g, '') + 'f';
    return {
      name: partName,
      build: ref => ({
        source: addImport(
          src.slice(0, s.start) +
            prefix +
            s.quote +
            asFStringBody(src, s, start, end, field(ref)) +
            s.quote +
            src.slice(s.end),
          line
        ),
        name: partName,
        form: 'f-string'
      })
    };
  }

  // Rule 2a: `pw = "v"` alone on an unindented line: the %secret magic.
  const ls = lineStart(src, s.start);
  const target = /^([A-Za-z_]\w*)(\s*:[^=]*?)?\s*=\s*$/.exec(
    src.slice(ls, s.start)
  );
  const le = lineEnd(src, s.end);
  const rest = /^[ \t]*(#.*)?$/.exec(src.slice(s.end, le));
  const first = toks.findIndex(x => x.start === ls);
  const continues = first > 0 && toks[first - 1].kind !== 'newline';
  if (target && rest && t.depth === 0 && !continues) {
    const lhs = target[1] + (target[2] ?? '').trimEnd();
    // The magic takes the rest of its line as arguments, a comment included:
    // a trailing comment moves to its own line above.
    const comment = rest[1] ? rest[1] + eolOf(src) : '';
    return {
      name: holder,
      build: ref => ({
        source:
          src.slice(0, ls) +
          comment +
          `${lhs} = %secret ${ref}` +
          src.slice(le),
        name: holder,
        form: 'magic-assignment'
      })
    };
  }

  // Rule 2b: anywhere else the literal becomes a call.
  return {
    name: holder,
    build: ref => ({
      source: addImport(
        src.slice(0, s.start) + `${callee}("${ref}")` + src.slice(s.end),
        line
      ),
      name: holder,
      form: 'call'
    })
  };
}

/** A value on an IPython `!shell` or `%magic` line. */
function planMagic(
  src: string,
  toks: IToken[],
  t: IToken,
  start: number,
  end: number
): IPlan {
  const [before, after] = around(src, start, end, t.start, t.end);
  const env = /^%(?:env|set_env)\s+([A-Za-z_]\w*)(?:\s*=\s*|\s+)$/.exec(before);
  if (env && after.trim() === '') {
    // %env API_KEY=v: the %secret magic sets the variable itself.
    const name = env[1];
    return {
      name,
      build: ref => ({
        source:
          src.slice(0, t.start) +
          `%secret ${ref} --env ${name}` +
          src.slice(t.end),
        name,
        form: 'magic-assignment'
      })
    };
  }
  const name = shellName(before, after);
  // IPython expands {expr} and $name in a ! line, all or nothing: any other
  // brace or dollar on it could make the expansion fail and the command see
  // `{secret(...)}` as text.
  if (!t.text.startsWith('!') || /[{}$]/.test(before + after)) {
    return { name, build: null };
  }
  const { callee, line } = secretCallee(toks, t.start);
  return {
    name,
    build: ref => ({
      source: addImport(
        src.slice(0, start) + `{${callee}('${ref}')}` + src.slice(end),
        line
      ),
      name,
      form: 'shell'
    })
  };
}

function plan(
  src: string,
  start: number,
  end: number,
  language: Language
): IPlan {
  if (language === 'python') {
    return planPython(src, start, end);
  }
  const name = lineName(src, start, end, language === 'markdown');
  return {
    name,
    build: ref => ({
      source: src.slice(0, start) + `secret://${ref}` + src.slice(end),
      name,
      form: 'reference'
    })
  };
}

function splitsPair(src: string, i: number): boolean {
  const lo = src.charCodeAt(i);
  const hi = src.charCodeAt(i - 1);
  return lo >= 0xdc00 && lo <= 0xdfff && hi >= 0xd800 && hi <= 0xdbff;
}

function checkOffset(src: string, i: number): void {
  if (!Number.isInteger(i) || i < 0 || i > src.length || splitsPair(src, i)) {
    throw new RangeError(
      `offset ${i} is not a place in a source of ${src.length} code units`
    );
  }
}

function checkRange(src: string, start: number, end: number): void {
  checkOffset(src, start);
  checkOffset(src, end);
  if (start >= end) {
    throw new RangeError(`empty or reversed range [${start}, ${end})`);
  }
}

/**
 * The name that holds the value at [start, end), without rewriting (for
 * suggesting a ref before asking the user). `language` defaults to Python.
 */
export function holderName(
  source: string,
  start: number,
  end: number,
  language: Language = 'python'
): string | null {
  checkRange(source, start, end);
  return plan(source, start, end, language).name;
}

/**
 * Replace the value at [start, end) by a store reference to `ref`; null when
 * no safe rewrite exists (the caller then offers Redact only). Throws when
 * `ref` is not a valid ref: it is written into code unquoted by anything but
 * its own grammar.
 */
export function rewriteWithRef(
  source: string,
  start: number,
  end: number,
  ref: string,
  language: Language
): IRewrite | null {
  checkRange(source, start, end);
  if (!isValidRef(ref)) {
    throw new Error(
      `not a valid secret ref: ${JSON.stringify(ref.slice(0, 40))}`
    );
  }
  const build = plan(source, start, end, language).build;
  return build ? build(ref) : null;
}

/** Replace the value at [start, end) with [REDACTED]. */
export function redact(source: string, start: number, end: number): string {
  checkRange(source, start, end);
  return source.slice(0, start) + REDACTED + source.slice(end);
}

/** True when the code on [ls, le) ends with a backslash that joins the next line. */
function joinsNext(
  src: string,
  toks: IToken[],
  ls: number,
  le: number
): boolean {
  let last = ls;
  for (const t of toks) {
    if (t.end > ls && t.end <= le) {
      last = Math.max(last, t.end);
    }
  }
  return src.slice(last, le).trim() === '\\';
}

/**
 * Add the line pragma after the value's line; null when that line is inside a
 * multi-line string (the caller then uses the allow-secret cell tag).
 *
 * Python lines whose end cannot hold a comment (a `%magic` line takes it as
 * arguments; a line joined to the next by a backslash) get the nextline
 * pragma on a comment line above instead.
 */
export function allowLine(
  source: string,
  start: number,
  language: Language
): string | null {
  checkOffset(source, start);
  const ls = lineStart(source, start);
  const le = lineEnd(source, start);
  const above = ls > 0 ? lineStart(source, ls - 1) : -1;
  if (
    source.slice(ls, le).includes(PRAGMA) ||
    (above >= 0 && source.slice(above, ls).includes(PRAGMA_NEXTLINE))
  ) {
    return source; // allowed already
  }
  const append = (text: string) =>
    source.slice(0, le) + text + source.slice(le);
  if (language === 'markdown') {
    return append(` <!-- ${PRAGMA} -->`);
  }
  if (language === 'text') {
    return append(` # ${PRAGMA}`);
  }
  const trimmed = (text: string) =>
    source.slice(0, ls) +
    source.slice(ls, le).trimEnd() +
    text +
    source.slice(le);
  const magic = cellMagic(source);
  if (magic !== null && SHELL_CELL_MAGICS.has(magic)) {
    const joined = source.slice(ls, le).trimEnd().endsWith('\\');
    return ls === 0 || joined ? null : trimmed(`  # ${PRAGMA}`);
  }
  if (
    (magic !== null && !PYTHON_CELL_MAGICS.has(magic)) ||
    (magic !== null && ls === 0)
  ) {
    return null; // another language's comments, or the magic line itself
  }
  const toks = tokenize(source);
  const strings = toks.filter(t => t.kind === 'string');
  const open = (t: IToken) => !t.str?.closed && t.end >= ls;
  if (strings.some(t => t.start < le && (t.end > le || open(t)))) {
    return null; // the line ends inside a string
  }
  const magicLine = toks.some(
    t =>
      t.kind === 'magic' &&
      t.start >= ls &&
      t.start < le &&
      t.text.startsWith('%')
  );
  if (!magicLine && !joinsNext(source, toks, ls, le)) {
    return trimmed(`  # ${PRAGMA}`);
  }
  // A comment line above: not when this line starts inside a string or the
  // line above joins onto it.
  if (
    strings.some(t => t.start < ls && t.end > ls) ||
    (above >= 0 && joinsNext(source, toks, above, lineEnd(source, above)))
  ) {
    return null;
  }
  const indent = /^[ \t]*/.exec(source.slice(ls, le))?.[0] ?? '';
  return (
    source.slice(0, ls) +
    `${indent}# ${PRAGMA_NEXTLINE}${eolOf(source)}` +
    source.slice(ls)
  );
}
