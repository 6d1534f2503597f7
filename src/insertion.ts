/**
 * What the secrets panel inserts for a ref at the cursor: pure, tested by Jest.
 *
 * `%secret REF` is an IPython line magic, valid only as a whole statement on
 * an unindented line or as the right-hand side of one (`pw = %secret REF`);
 * anywhere else (inside a call, an indented block, after other text) it is a
 * syntax error, so the panel inserts the function call there instead.
 */

/** Where the text goes: a notebook cell's code, or a plain file's text. */
export type InsertTarget = 'code' | 'file';

const MAGIC_AFTER = /^(?:[A-Za-z_][A-Za-z0-9_]*(?:\s*:\s*[^=]+)?\s*=\s*)?$/;

/** The text to insert for `ref`, given the text of the line before the cursor. */
export function insertionFor(
  lineBeforeCursor: string,
  ref: string,
  target: InsertTarget = 'code'
): string {
  if (target === 'file') {
    return `secret://${ref}`;
  }
  if (MAGIC_AFTER.test(lineBeforeCursor)) {
    return `%secret ${ref}`;
  }
  return `secret("${ref}")`;
}

/** Refs grouped by scope (their first segment), scopes and refs sorted. */
export function groupByScope<T extends { ref: string }>(
  items: T[]
): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of [...items].sort((a, b) => a.ref.localeCompare(b.ref))) {
    const scope = item.ref.split('/')[0];
    groups.set(scope, [...(groups.get(scope) ?? []), item]);
  }
  return new Map([...groups.entries()].sort(([a], [b]) => a.localeCompare(b)));
}

/** Items whose ref contains every word of `filter` (case-insensitive). */
export function filterRefs<T extends { ref: string }>(
  items: T[],
  filter: string
): T[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  return items.filter(item =>
    words.every(w => item.ref.toLowerCase().includes(w))
  );
}
