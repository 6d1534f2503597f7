/**
 * The fixes a user can apply to a finding, as changes to the notebook model:
 * what the user then sees in the editor is exactly what the next save sends.
 *
 * "Move to secret store" sends the value from the model to the server in one
 * PUT body (never to a log, a cell, or the console) and rewrites the source
 * to read it at run time. The server then knows the value, so a rescan finds
 * every other copy of it (echoes in outputs, other cells) as the same secret,
 * and those copies are fixed with the same ref.
 */
import { ICellModel, ICodeCellModel } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';

import { IFinding, storeSecret } from './api';
import { mask } from './findingText';
import { groupForType, suggestRef } from './refSuggest';
import {
  allowLine,
  holderName,
  Language,
  redact,
  rewriteWithRef
} from './rewrite';

/** The cell tag that allows a whole cell (source and outputs). */
export const ALLOW_TAG = 'allow-secret';

/** The cell model a finding is in: by id when the server knows it, else by index. */
export function cellOf(
  panel: NotebookPanel,
  finding: IFinding
): ICellModel | null {
  const cells = panel.content.model?.cells;
  if (!cells || finding.cell_index === null) {
    return null;
  }
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (finding.cell_id && cell.id === finding.cell_id) {
      return cell;
    }
  }
  return finding.cell_index < cells.length
    ? cells.get(finding.cell_index)
    : null;
}

/** How a cell's source is rewritten: Python for code cells of a Python kernel. */
export function languageOf(panel: NotebookPanel, cell: ICellModel): Language {
  if (cell.type === 'markdown') {
    return 'markdown';
  }
  if (cell.type === 'raw') {
    return 'text';
  }
  const info = panel.content.model?.metadata?.language_info as
    { name?: string } | undefined;
  const name = info?.name ?? 'python';
  return name === 'python' ? 'python' : 'text';
}

/** The value's offsets, when the cell still holds at them what the server found. */
export function liveRange(
  cell: ICellModel,
  finding: IFinding
): { start: number; end: number } | null {
  const range = finding.range;
  if (!range || finding.location !== 'source') {
    return null;
  }
  const source = cell.sharedModel.getSource();
  const text = source.slice(range.start, range.end);
  return range.end <= source.length && mask(text) === finding.preview
    ? range
    : null;
}

/** The actions a finding offers, in the order the dialog shows them. */
export type FixKind = 'move' | 'clear' | 'redact' | 'allow';

export function fixesFor(panel: NotebookPanel, finding: IFinding): FixKind[] {
  const cell = cellOf(panel, finding);
  if (!cell) {
    return [];
  }
  if (finding.location === 'output') {
    return ['clear', 'allow'];
  }
  if (finding.location === 'source' && liveRange(cell, finding)) {
    return ['move', 'redact', 'allow'];
  }
  return ['allow'];
}

/** A ref for the value, from the name that holds it and the writable scope. */
export function suggestedRef(
  panel: NotebookPanel,
  finding: IFinding,
  scope: string
): string {
  const cell = cellOf(panel, finding);
  const range = cell ? liveRange(cell, finding) : null;
  const name =
    cell && range
      ? holderName(cell.sharedModel.getSource(), range.start, range.end)
      : null;
  const stem = panel.context.localPath
    .split('/')
    .pop()
    ?.replace(/\.[^.]*$/, '');
  return suggestRef(name, {
    scope,
    group: groupForType(finding.type) ?? stem ?? null
  });
}

/** What a fix did, in one line for the dialog. */
export interface IFixResult {
  ok: boolean;
  message: string;
}

/**
 * Store the value under `ref` and make the cell read it from there; outputs
 * that show the same value are cleared (a re-run prints it redacted).
 */
export async function moveToStore(
  panel: NotebookPanel,
  finding: IFinding,
  ref: string,
  all: IFinding[]
): Promise<IFixResult> {
  const cell = cellOf(panel, finding);
  const range = cell ? liveRange(cell, finding) : null;
  if (!cell || !range) {
    return {
      ok: false,
      message: 'The cell changed since it was checked; check again.'
    };
  }
  const source = cell.sharedModel.getSource();
  await storeSecret(ref, source.slice(range.start, range.end));
  const stored = rewriteFrom(panel, cell, range, ref);
  const cleared = clearEchoes(panel, finding, all);
  const echo = cleared
    ? `; cleared ${cleared} output${cleared > 1 ? 's' : ''} showing it`
    : '';
  return {
    ok: true,
    message: stored
      ? `Stored as ${ref}; the cell now reads it at run time${echo}.`
      : `Stored as ${ref}; no safe rewrite here, so the value was replaced by [REDACTED] (read it with secret("${ref}"))${echo}.`
  };
}

/** Rewrite one more copy of a value already stored as `ref` (an echo in a source). */
export function useStoredRef(
  panel: NotebookPanel,
  finding: IFinding,
  ref: string
): boolean {
  const cell = cellOf(panel, finding);
  const range = cell ? liveRange(cell, finding) : null;
  if (!cell || !range) {
    return false;
  }
  rewriteFrom(panel, cell, range, ref);
  return true;
}

/** True when a ref rewrite was possible; otherwise the value is redacted. */
function rewriteFrom(
  panel: NotebookPanel,
  cell: ICellModel,
  range: { start: number; end: number },
  ref: string
): boolean {
  const source = cell.sharedModel.getSource();
  const rewrite = rewriteWithRef(
    source,
    range.start,
    range.end,
    ref,
    languageOf(panel, cell)
  );
  cell.sharedModel.setSource(
    rewrite ? rewrite.source : redact(source, range.start, range.end)
  );
  return rewrite !== null;
}

/** Clear the outputs of every cell that shows the finding's value; how many cells. */
function clearEchoes(
  panel: NotebookPanel,
  finding: IFinding,
  all: IFinding[]
): number {
  const cells = new Set<ICellModel>();
  for (const other of all) {
    if (
      other.hashed_secret === finding.hashed_secret &&
      other.location === 'output'
    ) {
      const cell = cellOf(panel, other);
      if (cell) {
        cells.add(cell);
      }
    }
  }
  cells.forEach(clearCellOutputs);
  return cells.size;
}

function clearCellOutputs(cell: ICellModel): void {
  const outputs = (cell as ICodeCellModel).outputs;
  if (cell.type === 'code' && outputs) {
    outputs.clear();
  }
}

/** Clear the outputs of the finding's cell. */
export function clearOutput(
  panel: NotebookPanel,
  finding: IFinding
): IFixResult {
  const cell = cellOf(panel, finding);
  if (!cell) {
    return { ok: false, message: 'That cell is gone.' };
  }
  clearCellOutputs(cell);
  return {
    ok: true,
    message: 'Output cleared; re-running the cell shows the value redacted.'
  };
}

/** Replace the value in the source with [REDACTED]. */
export function redactValue(
  panel: NotebookPanel,
  finding: IFinding
): IFixResult {
  const cell = cellOf(panel, finding);
  const range = cell ? liveRange(cell, finding) : null;
  if (!cell || !range) {
    return {
      ok: false,
      message: 'The cell changed since it was checked; check again.'
    };
  }
  cell.sharedModel.setSource(
    redact(cell.sharedModel.getSource(), range.start, range.end)
  );
  return { ok: true, message: 'Replaced by [REDACTED].' };
}

/**
 * Keep the value and tell the scanner it is allowed: a pragma on its line, or
 * the cell's `allow-secret` tag where a line pragma cannot go (outputs, a
 * multi-line string).
 */
export function allowFinding(
  panel: NotebookPanel,
  finding: IFinding
): IFixResult {
  const cell = cellOf(panel, finding);
  if (!cell) {
    return { ok: false, message: 'That cell is gone.' };
  }
  const range = liveRange(cell, finding);
  if (range) {
    const source = cell.sharedModel.getSource();
    const allowed = allowLine(source, range.start, languageOf(panel, cell));
    if (allowed !== null) {
      cell.sharedModel.setSource(allowed);
      return {
        ok: true,
        message: 'Allowed on its line (pragma: allowlist secret).'
      };
    }
  }
  const tags = cell.getMetadata('tags');
  const list = Array.isArray(tags) ? (tags as string[]) : [];
  if (!list.includes(ALLOW_TAG)) {
    cell.setMetadata('tags', [...list, ALLOW_TAG]);
  }
  return {
    ok: true,
    message: `Allowed for the whole cell (tag ${ALLOW_TAG}).`
  };
}
