/**
 * Paints a LiveChecker's findings on a notebook: a marker on each cell that
 * holds a secret, the value underlined in the cell's editor, and a flag on
 * each output that shows one. Markers are absolutely placed in the prompt
 * area, so they never move the cell's content (no layout shift while typing).
 */
import { Cell, CodeCell } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import { IDisposable } from '@lumino/disposable';

import { showMarks } from './editorMarks';
import { LiveChecker } from './liveCheck';
import { planCellMarks } from './markPlan';

const FLAGGED_CELL = 'jp-SecretsCell-flagged';
const FLAGGED_OUTPUT = 'jp-SecretsOutput-flagged';
const MARKER = 'jp-SecretsMarker';

export class NotebookMarks implements IDisposable {
  constructor(
    private readonly _panel: NotebookPanel,
    private readonly _checker: LiveChecker,
    private readonly _onMarkerClick: (cellIndex: number) => void
  ) {
    _checker.changed.connect(this._paint, this);
    // Cells scrolled into view (windowed notebooks) or re-rendered get painted too.
    _panel.content.modelContentChanged.connect(this._paintSoon, this);
    _panel.content.activeCellChanged.connect(this._paintSoon, this);
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    this._checker.changed.disconnect(this._paint, this);
    this._panel.content.modelContentChanged.disconnect(this._paintSoon, this);
    this._panel.content.activeCellChanged.disconnect(this._paintSoon, this);
    cancelAnimationFrame(this._frame);
  }

  private _paintSoon(): void {
    cancelAnimationFrame(this._frame);
    this._frame = requestAnimationFrame(() => this._paint());
  }

  private _paint(): void {
    if (this._disposed || this._panel.isDisposed) {
      return;
    }
    this._panel.content.widgets.forEach((cell, index) =>
      this._paintCell(cell, index)
    );
  }

  private _paintCell(cell: Cell, index: number): void {
    if (cell.isDisposed || !cell.model) {
      return;
    }
    const marks = planCellMarks(this._checker.findingsOf(cell.model.id));
    cell.toggleClass(FLAGGED_CELL, marks.count > 0);
    this._paintMarker(cell, index, marks.title);
    if (
      this._painted.get(cell) !== marks.ranges.length ||
      marks.ranges.length
    ) {
      showMarks(cell.editor, marks.ranges);
      this._painted.set(cell, marks.ranges.length);
    }
    if (cell instanceof CodeCell) {
      cell.outputArea.widgets.forEach((output, outputIndex) => {
        const title = marks.outputs.get(outputIndex);
        output.toggleClass(FLAGGED_OUTPUT, title !== undefined);
        if (title !== undefined) {
          output.node.setAttribute('data-jp-secrets-output', title);
        } else {
          output.node.removeAttribute('data-jp-secrets-output');
        }
      });
    }
  }

  private _paintMarker(cell: Cell, index: number, title: string): void {
    const host = cell.node;
    let marker = host.querySelector<HTMLButtonElement>(`:scope > .${MARKER}`);
    if (!title) {
      marker?.remove();
      return;
    }
    if (!marker) {
      marker = document.createElement('button');
      marker.className = MARKER;
      marker.type = 'button';
      marker.textContent = '!';
      marker.addEventListener('click', event => {
        event.stopPropagation();
        const at = this._panel.content.widgets.indexOf(cell);
        this._onMarkerClick(at < 0 ? index : at);
      });
      host.appendChild(marker);
    }
    marker.title = title;
    marker.setAttribute('aria-label', title.split('\n')[0] + ' Show fixes.');
  }

  private readonly _painted = new WeakMap<Cell, number>();
  private _frame = 0;
  private _disposed = false;
}
