/**
 * The words for a finding (its place, its confidence, a summary of several):
 * pure functions, tested by Jest without a browser.
 */
import type { Confidence, IFinding, IGateReport } from './api';

/** What each confidence level means, as a tooltip. */
export const CONFIDENCE_HELP: Record<Confidence, string> = {
  verified:
    'Verified: a checksum or the structure proves it is a real credential format',
  likely:
    "Likely: a vendor's token format, or a credential name with a strong value",
  possible:
    'Possible: weak evidence (a short or dictionary-like password, a default credential on localhost)'
};

/** " (likely)", or " (possible, only warned)" for a finding that did not block. */
export function describeConfidence(
  finding: IFinding,
  report?: IGateReport
): string {
  if (!finding.confidence) {
    return '';
  }
  const warnedOnly =
    report !== undefined &&
    report.action !== 'warned' &&
    finding.policy === 'warn';
  return ` (${finding.confidence}${warnedOnly ? ', only warned' : ''})`;
}

/**
 * Where a finding is, in the words a user sees: "cell 2 (output 1, line 3,
 * column 5)". The twin of the server's `describe_place`: words count cells and
 * outputs from 1, the `cell_index` and `output_index` fields from 0.
 */
export function describePlace(finding: IFinding): string {
  const at = `line ${finding.line}, column ${finding.column}`;
  if (finding.cell_index === null || finding.cell_index === undefined) {
    return finding.location === 'metadata' ? 'notebook metadata' : at;
  }
  const cell = `cell ${finding.cell_index + 1}`;
  if (finding.location === 'metadata') {
    // Cell metadata, attachments or an unknown key: no line a user could go to.
    return `${cell} (metadata)`;
  }
  const part =
    finding.location === 'output'
      ? `output ${(finding.output_index ?? 0) + 1}`
      : 'source';
  return `${cell} (${part}, ${at})`;
}

/** "AWS Access Key in cell 1" or "3 secrets (AWS Access Key, Slack Token)". */
export function summarize(findings: IFinding[]): string {
  if (findings.length === 1) {
    const [only] = findings;
    const where =
      only.cell_index === null || only.cell_index === undefined
        ? `line ${only.line}`
        : `cell ${only.cell_index + 1}`;
    return `${only.type} in ${where}`;
  }
  const types = [...new Set(findings.map(f => f.type))].sort();
  const shown = types.slice(0, 3).join(', ') + (types.length > 3 ? ', …' : '');
  return `${findings.length} secrets (${shown})`;
}

/**
 * The masked preview of a value, as the server's `mask` makes it: the fixes
 * compare it with a finding's preview to be sure the range still holds the
 * value the server found (the cell may have changed since the scan).
 */
export function mask(value: string): string {
  const chars = [...value]; // code points, as Python counts them
  const n = chars.length;
  const [head, tail] =
    n >= 20
      ? [4, 4]
      : n >= 16
        ? [3, 3]
        : n >= 12
          ? [2, 2]
          : n >= 8
            ? [1, 1]
            : n >= 4
              ? [1, 0]
              : [0, 0];
  const printable = (part: string[]) =>
    // Python's str.isprintable: no control, format, separator (but space) characters.
    part
      .map(ch => (ch === ' ' || /^[^\p{C}\p{Z}]$/u.test(ch) ? ch : '?'))
      .join('');
  const stars = '*'.repeat(Math.min(n - head - tail, 24));
  return (
    printable(chars.slice(0, head)) +
    stars +
    printable(tail ? chars.slice(n - tail) : [])
  );
}
