/**
 * What to paint for a cell's findings, and where "next finding" goes: pure
 * functions over the server's findings, tested by Jest without a browser.
 */
import type { IFinding } from './api';
import type { IMarkRange } from './editorMarks';

/** The marks of one cell: underlines in its editor, flagged outputs, a summary tooltip. */
export interface ICellMarks {
  ranges: IMarkRange[];
  /** Output index -> tooltip. */
  outputs: Map<number, string>;
  /** Tooltip of the cell's marker; empty when nothing was found. */
  title: string;
  count: number;
}

const FIX_HINT =
  'Click the marker to move it to the secret store, clear the output or allow it.';

/** "AWS Access Key (likely): AKIA****WXYZ": never the value, only its masked preview. */
export function findingLabel(finding: IFinding): string {
  const level = finding.confidence ? ` (${finding.confidence})` : '';
  return `${finding.type}${level}: ${finding.preview}`;
}

/** The tooltip of one finding. */
export function tooltipFor(finding: IFinding): string {
  const where = finding.location === 'output' ? 'in this output' : '';
  return `${findingLabel(finding)}${where ? ` ${where}` : ''}. ${FIX_HINT}`;
}

/** Marks for one cell from the findings the server reported for it. */
export function planCellMarks(findings: IFinding[]): ICellMarks {
  const ranges: IMarkRange[] = [];
  const outputs = new Map<number, string>();
  for (const finding of findings) {
    if (finding.location === 'source' && finding.range) {
      ranges.push({ ...finding.range, title: tooltipFor(finding) });
    } else if (finding.location === 'output' && finding.output_index !== null) {
      const before = outputs.get(finding.output_index);
      outputs.set(
        finding.output_index,
        before ? `${before}\n${findingLabel(finding)}` : tooltipFor(finding)
      );
    }
  }
  const labels = [...new Set(findings.map(findingLabel))];
  const title = findings.length
    ? `${findings.length === 1 ? 'A secret' : `${findings.length} secrets`} in this cell:\n${labels.join('\n')}\n${FIX_HINT}`
    : '';
  return { ranges, outputs, title, count: findings.length };
}

/** A place in the notebook: cell index and offset in its source (0 for outputs). */
export interface IPlace {
  cell: number;
  offset: number;
}

function placeOf(finding: IFinding): IPlace {
  return {
    cell: finding.cell_index ?? 0,
    offset:
      finding.location === 'source' && finding.range
        ? finding.range.start
        : Number.MAX_SAFE_INTEGER // outputs come after the source
  };
}

function before(a: IPlace, b: IPlace): boolean {
  return a.cell < b.cell || (a.cell === b.cell && a.offset < b.offset);
}

/** The first finding after `from`, wrapping around to the first; null when there are none. */
export function nextFinding(
  findings: IFinding[],
  from: IPlace | null
): IFinding | null {
  const sorted = [...findings].sort((a, b) =>
    before(placeOf(a), placeOf(b)) ? -1 : before(placeOf(b), placeOf(a)) ? 1 : 0
  );
  if (!sorted.length) {
    return null;
  }
  if (from === null) {
    return sorted[0];
  }
  return sorted.find(f => before(from, placeOf(f))) ?? sorted[0];
}

/** The status bar's words: "Secrets: block · 2 findings". */
export function statusWords(
  policy: string | null,
  count: number | null
): string {
  const head = policy === null ? 'Secrets' : `Secrets: ${policy}`;
  if (count === null) {
    return head;
  }
  return `${head} · ${count === 0 ? 'no findings' : count === 1 ? '1 finding' : `${count} findings`}`;
}
