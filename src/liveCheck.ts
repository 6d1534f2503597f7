/**
 * Live findings for one notebook: each changed cell is sent to the server's
 * scan API after a pause in typing, and the findings are kept per cell.
 *
 * Detection stays on the server (one scanner for the gate, the CLI and this):
 * the browser sends only the cell that changed and the server's per-cell
 * cache does the rest. A full scan of the notebook runs when it opens and
 * whenever the set of secrets changes, so an echo of a value in another
 * cell (a printed token, a DataFrame) is marked too.
 */
import { ICellModel, ICodeCellModel } from '@jupyterlab/cells';
import { INotebookModel, NotebookPanel } from '@jupyterlab/notebook';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { IFinding, scan, ScanRequest } from './api';

export interface ILiveCheckOptions {
  /** Pause after the last change before a cell is checked. */
  debounceMs: number;
  /** The scan call; the server's by default (tests and the benchmark pass their own). */
  scanner?: (request: ScanRequest) => Promise<IFinding[]>;
}

/** Findings of one notebook, kept up to date as its cells change. */
export class LiveChecker implements IDisposable {
  constructor(
    private readonly _panel: NotebookPanel,
    private readonly _options: ILiveCheckOptions
  ) {
    this._scan = _options.scanner ?? (request => scan(request));
    void _panel.context.ready.then(() => this._start());
  }

  /** Emitted after the findings of any cell changed. */
  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  set debounceMs(value: number) {
    this._options.debounceMs = value;
  }

  /** The current findings, each with the cell's current index. */
  findings(): IFinding[] {
    const model = this._panel.content.model;
    if (!model) {
      return [];
    }
    const out: IFinding[] = [];
    for (let index = 0; index < model.cells.length; index++) {
      const cell = model.cells.get(index);
      for (const finding of this._byCell.get(cell.id) ?? []) {
        out.push({ ...finding, cell_index: index });
      }
    }
    return out;
  }

  /** Findings of one cell model. */
  findingsOf(cellId: string): IFinding[] {
    return this._byCell.get(cellId) ?? [];
  }

  /**
   * Check the whole notebook now; resolves once its findings are in. The
   * answer covers every cell as it is now, so cell checks still waiting for
   * their pause are dropped and earlier answers on their way are ignored.
   */
  async checkAll(): Promise<void> {
    const model = this._panel.content.model;
    if (!model || this._disposed) {
      return;
    }
    for (const timer of this._timers.values()) {
      clearTimeout(timer);
    }
    for (const id of new Set([
      ...this._timers.keys(),
      ...this._generations.keys()
    ])) {
      this._generations.set(id, (this._generations.get(id) ?? 0) + 1);
    }
    this._timers.clear();
    this._pending.clear();
    const generation = ++this._fullGeneration;
    const ids = [...Array(model.cells.length).keys()].map(
      i => model.cells.get(i).id
    );
    let found: IFinding[];
    try {
      found = await this._scan({
        model: { type: 'notebook', content: model.toJSON() },
        path: this._panel.context.localPath
      });
    } catch (error) {
      this._failed(error);
      return;
    }
    if (generation !== this._fullGeneration || this._disposed) {
      return; // a newer full check is on its way
    }
    const byCell = new Map<string, IFinding[]>(ids.map(id => [id, []]));
    for (const finding of found) {
      const id =
        finding.cell_index === null ? undefined : ids[finding.cell_index];
      if (id !== undefined) {
        byCell.get(id)!.push(finding);
      }
    }
    for (const [id, findings] of byCell) {
      // A cell edited while the full check ran keeps its own, newer answer.
      if (!this._pending.has(id)) {
        this._byCell.set(id, findings);
      }
    }
    this._hashes = this._hashSet();
    this._changed.emit();
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    for (const timer of this._timers.values()) {
      clearTimeout(timer);
    }
    clearTimeout(this._fullTimer);
    Signal.clearData(this);
  }

  private _start(): void {
    const model = this._panel.content.model;
    if (!model || this._disposed) {
      return;
    }
    for (let i = 0; i < model.cells.length; i++) {
      this._watch(model.cells.get(i));
    }
    model.cells.changed.connect(this._onCellsChanged, this);
    void this.checkAll();
  }

  private _onCellsChanged(
    model: INotebookModel['cells'],
    args: { type: string; newValues: ICellModel[]; oldValues: ICellModel[] }
  ): void {
    for (const cell of args.newValues) {
      this._watch(cell);
      this._schedule(cell);
    }
    if (args.type === 'remove' || args.type === 'set') {
      const present = new Set(
        [...Array(model.length).keys()].map(i => model.get(i).id)
      );
      for (const id of [...this._byCell.keys()]) {
        if (!present.has(id)) {
          this._byCell.delete(id);
        }
      }
      this._changed.emit();
    }
  }

  private _watch(cell: ICellModel): void {
    if (this._watched.has(cell)) {
      return;
    }
    this._watched.add(cell);
    cell.contentChanged.connect(() => this._schedule(cell), this);
    const outputs = (cell as ICodeCellModel).outputs;
    if (cell.type === 'code' && outputs) {
      outputs.changed.connect(() => this._schedule(cell), this);
    }
  }

  private _schedule(cell: ICellModel): void {
    if (this._disposed || cell.isDisposed) {
      return;
    }
    clearTimeout(this._timers.get(cell.id));
    this._pending.add(cell.id);
    this._timers.set(
      cell.id,
      setTimeout(() => void this._checkCell(cell), this._options.debounceMs)
    );
  }

  private async _checkCell(cell: ICellModel): Promise<void> {
    this._timers.delete(cell.id);
    const model = this._panel.content.model;
    if (!model || cell.isDisposed || this._disposed) {
      return;
    }
    const generation = (this._generations.get(cell.id) ?? 0) + 1;
    this._generations.set(cell.id, generation);
    const index = [...Array(model.cells.length).keys()].find(
      i => model.cells.get(i) === cell
    );
    if (index === undefined) {
      return;
    }
    let found: IFinding[];
    try {
      found = await this._scan({
        cell: cell.toJSON(),
        cell_index: index,
        path: this._panel.context.localPath
      });
    } catch (error) {
      this._failed(error);
      return;
    } finally {
      if (this._generations.get(cell.id) === generation) {
        this._pending.delete(cell.id);
      }
    }
    if (this._generations.get(cell.id) !== generation || this._disposed) {
      return; // the cell changed again: a newer answer is coming
    }
    this._byCell.set(cell.id, found);
    const hashes = this._hashSet();
    const newSecret = [...hashes].some(h => !this._hashes.has(h));
    this._hashes = hashes;
    this._changed.emit();
    if (newSecret) {
      // A value new to this notebook may be echoed in other cells' outputs.
      clearTimeout(this._fullTimer);
      this._fullTimer = setTimeout(
        () => void this.checkAll(),
        this._options.debounceMs
      );
    }
  }

  private _hashSet(): Set<string> {
    const out = new Set<string>();
    for (const findings of this._byCell.values()) {
      for (const f of findings) {
        out.add(f.hashed_secret);
      }
    }
    return out;
  }

  private _failed(error: unknown): void {
    // The gate still checks every save; a live check that fails only loses the markers.
    if (!this._warned) {
      this._warned = true;
      console.warn(`jupyter-secrets: live check failed: ${String(error)}`);
    }
  }

  private readonly _scan: (request: ScanRequest) => Promise<IFinding[]>;
  private readonly _byCell = new Map<string, IFinding[]>();
  private readonly _timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly _generations = new Map<string, number>();
  private readonly _pending = new Set<string>();
  private readonly _watched = new WeakSet<ICellModel>();
  private readonly _changed = new Signal<this, void>(this);
  private _hashes = new Set<string>();
  private _fullGeneration = 0;
  private _fullTimer: ReturnType<typeof setTimeout> | undefined;
  private _warned = false;
  private _disposed = false;
}
