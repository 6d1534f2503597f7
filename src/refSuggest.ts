/**
 * Suggest a secret ref (`scope/group/name`) for a hard-coded value, from the
 * name that held it. Pure: no JupyterLab, no DOM. The grammar is the one
 * `jupyter_secrets/refs.py` parses (without the `@version` / `#field` suffix).
 */

export interface IRefContext {
  /** The scope to suggest, e.g. 'dev' (the first writable scope of the server). */
  scope: string;
  /** Fallback middle segment, e.g. from the finding's type or the notebook's file name. */
  group?: string | null;
}

/** As refs.py: a ref longer than this is refused. */
export const MAX_REF_LENGTH = 256;

const SEGMENT = '[A-Za-z0-9_][A-Za-z0-9_.\\-]*';
const REF_RE = new RegExp(`^${SEGMENT}(?:/${SEGMENT})+$`);

/** True when `ref` matches the ref grammar (no version/field suffix). */
export function isValidRef(ref: string): boolean {
  return (
    typeof ref === 'string' && ref.length <= MAX_REF_LENGTH && REF_RE.test(ref)
  );
}

function wordSet(text: string): Set<string> {
  return new Set(text.trim().split(/\s+/));
}

/** Short forms people use for a password. */
const PASSWORD_WORDS = wordSet('pw pwd passwd pass passw pword');

/**
 * Words that only say "this is a credential": a name made of these alone
 * (`password`, `api_key`, `access_token`) says nothing about which system it
 * belongs to, so the group comes from the context instead.
 */
const CREDENTIAL_WORDS = wordSet(`
  password passphrase secret token key api_key apikey access private client
  auth bearer refresh session signing credential credentials creds id`);

/** Words that carry no meaning in a ref (`my_password` is just a password). */
const FILLER_WORDS = new Set(['my', 'the', 'our', 'your', 'tmp', 'temp']);

// Each part is capped so that scope/group/name always fits MAX_REF_LENGTH.
const MAX_SCOPE = 32;
const MAX_GROUP = 64;
const MAX_NAME = MAX_REF_LENGTH - MAX_SCOPE - MAX_GROUP - 2;

/** Names whose inner capitals split no words: `GitHubToken` is github + token. */
const CAMEL_BRANDS =
  /GitHub|GitLab|OpenAI|PyPI|JFrog|SendGrid|MailChimp|HuggingFace|PostgreSQL|MySQL|MongoDB|DynamoDB|BigQuery|OAuth/g;

/**
 * Lower-case ASCII words of `text`: camelCase and acronyms split
 * (`snowflakePassword`, `APIKey`), accents folded (`pässword` -> `password`),
 * other characters outside [A-Za-z0-9] dropped or taken as separators.
 */
function words(text: string, splitCamel = true): string[] {
  // Bound the work on hostile input: no useful name is this long.
  let t = text.slice(0, 4 * MAX_REF_LENGTH);
  t = t.normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
  // Non-ASCII characters are dropped, not separators: a word stays one word.
  t = t.replace(/[^\x20-\x7e]/g, '');
  if (splitCamel) {
    t = t
      .replace(CAMEL_BRANDS, b => b.toLowerCase())
      .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
      .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2');
  }
  return t
    .split(/[^A-Za-z0-9]+/)
    .filter(w => w.length > 0)
    .map(w => w.toLowerCase());
}

/** Synonyms folded, `api key` joined, fillers and repeats dropped. */
function normalize(input: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < input.length; i++) {
    let w = input[i];
    if (PASSWORD_WORDS.has(w)) {
      w = 'password';
    } else if (w === 'apikey') {
      w = 'api_key';
    } else if (w === 'api' && input[i + 1] === 'key') {
      w = 'api_key';
      i++;
    }
    if (FILLER_WORDS.has(w) || out[out.length - 1] === w) {
      continue;
    }
    out.push(w);
  }
  return out;
}

/** `ws` joined as one snake_case segment of at most `max` characters. */
function segment(ws: string[], max: number): string {
  return ws.join('_').slice(0, max).replace(/_+$/, '');
}

/** The context's group as a segment: a file name loses its folder and extension. */
function contextGroup(group: string | null | undefined): string {
  if (!group) {
    return 'app';
  }
  const base = group
    .replace(/^.*[\\/]/, '')
    .replace(/\.[A-Za-z][A-Za-z0-9]{0,7}$/, '');
  return segment(normalize(words(base)), MAX_GROUP) || 'app';
}

/** A valid ref for a value held by `name` (a variable, kwarg, dict key or env var name; null when there is none). */
export function suggestRef(name: string | null, context: IRefContext): string {
  // A valid scope is kept as written (scopes are configured names); only a
  // malformed one is cleaned.
  const raw = context.scope ?? '';
  const scope =
    new RegExp(`^${SEGMENT}$`).test(raw) && raw.length <= MAX_SCOPE
      ? raw
      : segment(words(raw, false), MAX_SCOPE) || 'dev';
  const ws = normalize(words(name ?? ''));
  let group: string;
  let rest: string[];
  if (ws.length >= 2 && !CREDENTIAL_WORDS.has(ws[0])) {
    // WAREHOUSE_PASSWORD, aws_secret_access_key: the first word names the system.
    group = segment([ws[0]], MAX_GROUP);
    rest = ws.slice(1);
  } else if (ws.length > 0 && ws.every(w => CREDENTIAL_WORDS.has(w))) {
    // password, api_key, access_token: only the kind of credential.
    group = contextGroup(context.group);
    rest = ws;
  } else {
    // One plain word (`conn`) or nothing at all.
    group = contextGroup(context.group);
    rest = ws.length > 0 ? ws : ['secret'];
  }
  const leaf = segment(rest, MAX_NAME) || 'secret';
  return `${scope}/${group}/${leaf}`;
}

/** Words of a detector type that name a kind of credential, not a vendor. */
const GENERIC_TYPE_WORDS = new Set([
  ...CREDENTIAL_WORDS,
  ...wordSet(`
    account api assignment base64 basic bot cli command connection entropy for
    hex high in json keys keyword known line login oauth of passwords printed
    secrets service string the tokens uri url value web webhook`)
]);

/**
 * A group word for a detector type: the first run of vendor words
 * ('AWS Secret Access Key' -> 'aws', 'Hugging Face Token' -> 'hugging_face'),
 * null when the type names no vendor ('Password', 'Private Key').
 */
export function groupForType(type: string): string | null {
  // 'GitHub Token' must stay 'github': split camelCase only in one-word
  // types such as 'AWSSecretKey'.
  const ws = words(type ?? '', !/\s/.test((type ?? '').trim())).map(w =>
    PASSWORD_WORDS.has(w) ? 'password' : w
  );
  const start = ws.findIndex(w => !GENERIC_TYPE_WORDS.has(w));
  if (start < 0) {
    return null;
  }
  let end = start;
  while (end < ws.length && !GENERIC_TYPE_WORDS.has(ws[end])) {
    end++;
  }
  return segment(ws.slice(start, end), 40) || null;
}
