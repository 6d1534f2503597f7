import type { IPolicy } from './api';
import { Policy, asPolicy } from './vocabulary';

/** What each save policy does with a save that holds a secret. */
const MEANINGS: Record<Policy, string> = {
  block:
    'the save is refused and nothing is written; your work stays in the browser',
  strip: 'the secret is replaced by a redaction marker in the saved file',
  warn: 'the file is saved as it is, with a warning',
  off: 'saves are not scanned'
};

function meaning(policy: unknown): string {
  const known = asPolicy(policy);
  return known !== null ? MEANINGS[known] : 'see the server configuration';
}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object'
    ? (value as Record<string, unknown>)
    : {};
}

/**
 * The policy dialog's lines: what the policy means for the current document and
 * which settings decided it (the server computes the policy; this only explains it).
 */
export function policyLines(answer: IPolicy): string[] {
  const path = typeof answer.path === 'string' ? answer.path : null;
  const where = path ? `Saves of ${path}` : 'Saves';
  const lines = [
    `Secrets: ${answer.policy}`,
    `${where}: ${answer.policy}. When a save holds a secret, ${meaning(answer.policy)}.`
  ];
  const possible = answer.possible_policy;
  if (typeof possible === 'string' && possible !== answer.policy) {
    lines.push(
      `Findings of possible confidence (weak evidence, such as a default password on localhost): ${possible}, so ${meaning(possible)}.`
    );
  }
  if (path && answer.scanned === false && answer.policy !== 'off') {
    lines.push(`${path} is not a file type the gate scans.`);
  }
  const overrides = Object.entries(asRecord(answer.overrides));
  const source =
    answer.policy === answer.default_policy
      ? `the default save_policy (${String(answer.default_policy)})`
      : 'a path_policies rule for this path';
  lines.push(`Set by ${source}.`);
  if (overrides.length) {
    lines.push(
      'Path rules: ' +
        overrides.map(([glob, rule]) => `${glob} → ${String(rule)}`).join(', ')
    );
  }
  if (answer.fail_closed === true) {
    lines.push('A save that cannot be scanned is refused (fail closed).');
  }
  return lines;
}
