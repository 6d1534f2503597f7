/**
 * Live findings everywhere a user edits: one LiveChecker and its markers per
 * open notebook, underlines in file editors for the files the gate scans, and
 * the status bar's count for the current document, which jumps to the next
 * finding when clicked.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { IDocumentWidget } from '@jupyterlab/docregistry';
import { FileEditor, IEditorTracker } from '@jupyterlab/fileeditor';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';

import { fetchPolicy, IFinding, IGateReport, scan } from './api';
import { showMarks } from './editorMarks';
import { showFixDialog } from './fixDialog';
import { LiveChecker } from './liveCheck';
import { IPlace, nextFinding, statusWords, tooltipFor } from './markPlan';
import { NotebookMarks } from './notebookMarks';

/** The user's settings (schema/plugin.json). */
export interface ILiveSettings {
  liveChecking: boolean;
  debounceMs: number;
  fileEditorMarkers: boolean;
}

export const DEFAULT_SETTINGS: ILiveSettings = {
  liveChecking: true,
  debounceMs: 400,
  fileEditorMarkers: true
};

export class LiveSecrets {
  constructor(
    private readonly _app: JupyterFrontEnd,
    private readonly _notebooks: INotebookTracker | null,
    private readonly _editors: IEditorTracker | null,
    private readonly _status: Widget
  ) {
    _notebooks?.widgetAdded.connect((_, panel) => this._addNotebook(panel));
    _editors?.widgetAdded.connect((_, widget) => this._addEditor(widget));
    _app.shell.currentChanged?.connect(() => this.updateStatus());
    _status.node.addEventListener('click', () => this.jumpToNext());
    _status.node.tabIndex = 0;
    _status.node.setAttribute('role', 'button');
    _status.node.addEventListener('keydown', event => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        this.jumpToNext();
      }
    });
  }

  /** The server's default policy and writable scopes, once known. */
  policy: string | null = null;
  writableScopes: string[] = ['dev'];

  get settings(): ILiveSettings {
    return this._settings;
  }

  set settings(value: ILiveSettings) {
    const was = this._settings;
    this._settings = value;
    for (const checker of this._checkers.values()) {
      checker.debounceMs = value.debounceMs;
    }
    if (was.liveChecking !== value.liveChecking) {
      this._notebooks?.forEach(panel =>
        value.liveChecking
          ? this._addNotebook(panel)
          : this._removeNotebook(panel)
      );
    }
    if (was.fileEditorMarkers !== value.fileEditorMarkers) {
      this._editors?.forEach(widget =>
        value.fileEditorMarkers
          ? this._addEditor(widget)
          : this._removeEditor(widget)
      );
    }
    this.updateStatus();
  }

  /** The checker of a notebook, when live checking is on for it. */
  checkerFor(panel: NotebookPanel): LiveChecker | null {
    return this._checkers.get(panel) ?? null;
  }

  /** The fix dialog for a notebook; false when the notebook is not checked live. */
  openFixes(panel: NotebookPanel, refusal: IGateReport | null): boolean {
    const checker = this._checkers.get(panel);
    if (!checker) {
      return false;
    }
    if (!this._fixOpen.has(panel)) {
      this._fixOpen.add(panel);
      void showFixDialog({
        panel,
        checker,
        writableScopes: this.writableScopes,
        refusal
      })
        .catch(error => console.warn(`jupyter-secrets: ${String(error)}`))
        .finally(() => this._fixOpen.delete(panel));
    }
    return true;
  }

  /** The open notebook of `path`, if any. */
  notebookAt(path: string): NotebookPanel | null {
    return this._notebooks?.find(panel => panel.context.path === path) ?? null;
  }

  updateStatus(): void {
    const current = this._app.shell.currentWidget;
    const findings = this._currentFindings(current);
    const text = statusWords(
      this.policy,
      findings === null ? null : findings.length
    );
    this._status.node.textContent = text;
    this._status.node.setAttribute('data-jp-secrets-status', text);
    this._status.node.setAttribute(
      'data-jp-secrets-count',
      String(findings?.length ?? '')
    );
    this._status.node.title = findings?.length
      ? 'Secrets found in this document: click to go to the next one'
      : 'jupyter-secrets save policy';
  }

  /** Select the next finding after the cursor in the current document. */
  jumpToNext(): void {
    const current = this._app.shell.currentWidget;
    if (current instanceof NotebookPanel) {
      const checker = this._checkers.get(current);
      const notebook = current.content;
      const active = notebook.activeCell;
      const editor = active?.editor;
      const from: IPlace | null = active
        ? {
            cell: notebook.activeCellIndex,
            offset: editor ? editor.getOffsetAt(editor.getCursorPosition()) : 0
          }
        : null;
      const next = checker ? nextFinding(checker.findings(), from) : null;
      if (next === null || next.cell_index === null) {
        return;
      }
      notebook.activeCellIndex = next.cell_index;
      const cell = notebook.activeCell;
      void notebook.scrollToItem(next.cell_index, 'center');
      if (cell?.editor && next.range && next.location === 'source') {
        const position = cell.editor.getPositionAt(next.range.start);
        if (position) {
          cell.editor.setCursorPosition(position);
          cell.editor.focus();
        }
      }
      return;
    }
    const file = this._fileFindings.get(current as IDocumentWidget<FileEditor>);
    const editor = (current as IDocumentWidget<FileEditor> | null)?.content
      ?.editor;
    if (file && editor) {
      const offset = editor.getOffsetAt(editor.getCursorPosition());
      const next = nextFinding(file, { cell: 0, offset });
      const position = next?.range
        ? editor.getPositionAt(next.range.start)
        : undefined;
      if (position) {
        editor.setCursorPosition(position);
        editor.focus();
      }
    }
  }

  private _currentFindings(current: Widget | null): IFinding[] | null {
    if (current instanceof NotebookPanel) {
      return this._checkers.get(current)?.findings() ?? null;
    }
    return (
      this._fileFindings.get(current as IDocumentWidget<FileEditor>) ?? null
    );
  }

  private _addNotebook(panel: NotebookPanel): void {
    if (
      !this._settings.liveChecking ||
      this._checkers.has(panel) ||
      panel.isDisposed
    ) {
      return;
    }
    const checker = new LiveChecker(panel, {
      debounceMs: this._settings.debounceMs
    });
    const marks = new NotebookMarks(panel, checker, () =>
      this.openFixes(panel, null)
    );
    this._checkers.set(panel, checker);
    this._marks.set(panel, marks);
    checker.changed.connect(() => this.updateStatus());
    panel.disposed.connect(() => this._removeNotebook(panel));
  }

  private _removeNotebook(panel: NotebookPanel): void {
    this._marks.get(panel)?.dispose();
    this._checkers.get(panel)?.dispose();
    this._marks.delete(panel);
    this._checkers.delete(panel);
    if (!panel.isDisposed) {
      panel.content.widgets.forEach(cell => {
        showMarks(cell.editor, []);
        cell.removeClass('jp-SecretsCell-flagged');
        cell.node.querySelector(':scope > .jp-SecretsMarker')?.remove();
      });
    }
    this.updateStatus();
  }

  private _addEditor(widget: IDocumentWidget<FileEditor>): void {
    if (!this._settings.fileEditorMarkers || this._fileTimers.has(widget)) {
      return;
    }
    const context = widget.context;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let generation = 0;
    const check = async () => {
      const mine = ++generation;
      const text = context.model.toString();
      let findings: IFinding[];
      try {
        findings = await scan({ text, path: context.localPath });
      } catch (error) {
        console.warn(`jupyter-secrets: live check failed: ${String(error)}`);
        return;
      }
      if (
        mine !== generation ||
        widget.isDisposed ||
        !this._fileTimers.has(widget)
      ) {
        return;
      }
      this._fileFindings.set(widget, findings);
      showMarks(
        widget.content.editor,
        findings
          .filter(f => f.range)
          .map(f => ({ ...f.range!, title: tooltipFor(f) }))
      );
      this.updateStatus();
    };
    const schedule = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void check(), this._settings.debounceMs);
    };
    this._fileTimers.set(widget, () => {
      clearTimeout(timer);
      context.model.contentChanged.disconnect(schedule);
    });
    void context.ready.then(async () => {
      // Only the files the gate scans: ask the server, which owns that list.
      let scanned = false;
      try {
        scanned =
          (await fetchPolicy(undefined, context.localPath)).scanned === true;
      } catch {
        return;
      }
      if (!scanned || widget.isDisposed || !this._fileTimers.has(widget)) {
        return;
      }
      context.model.contentChanged.connect(schedule);
      widget.disposed.connect(() => this._removeEditor(widget));
      void check();
    });
  }

  private _removeEditor(widget: IDocumentWidget<FileEditor>): void {
    this._fileTimers.get(widget)?.();
    this._fileTimers.delete(widget);
    this._fileFindings.delete(widget);
    if (!widget.isDisposed) {
      showMarks(widget.content.editor, []);
    }
    this.updateStatus();
  }

  private _settings: ILiveSettings = DEFAULT_SETTINGS;
  private readonly _fixOpen = new Set<NotebookPanel>();
  private readonly _checkers = new Map<NotebookPanel, LiveChecker>();
  private readonly _marks = new Map<NotebookPanel, NotebookMarks>();
  private readonly _fileTimers = new Map<
    IDocumentWidget<FileEditor>,
    () => void
  >();
  private readonly _fileFindings = new Map<
    IDocumentWidget<FileEditor>,
    IFinding[]
  >();
}
