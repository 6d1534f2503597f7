/**
 * The user-facing side of the server's save gate.
 *
 * The gate answers a blocked save with HTTP 422 and a report. JupyterLab's
 * document context shows its generic "File Save Error" dialog for any failed
 * save *before* it rethrows, so wrapping `context.save` is too late to replace
 * that dialog. The wrapper therefore sits one level down, on the contents
 * manager's `save`: a gate refusal is turned into an Error named
 * 'ModalCancelError' (the context rethrows it silently and leaves the model
 * dirty) after our own dialog is shown. Successful saves carry the report in
 * their JSON body; stripped saves are followed by a revert from disk.
 */
import { Notification } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { Contents, ServerConnection } from '@jupyterlab/services';
import { CommandRegistry } from '@lumino/commands';
import { Signal } from '@lumino/signaling';

import {
  GATE_HEADER,
  IGateReport,
  REPORT_HEADER,
  REPORT_KEY,
  fetchLatestReport,
  fetchReport,
  reportOfSavedModel
} from './api';
import { fileName, showFindingsDialog, summarize } from './findingsDialog';
import { GateAction, REFUSALS, asAction } from './vocabulary';

/** Commands through which the user asks for a save. */
const EXPLICIT_SAVE_COMMANDS = new Set([
  'docmanager:save',
  'docmanager:save-all',
  'docmanager:save-as'
]);

/** A save this soon after a save command is the user's, not autosave's. */
const EXPLICIT_WINDOW_MS = 15_000;

/** A save this soon after a click on one of JupyterLab's dialogs follows that click. */
const GESTURE_WINDOW_MS = 5_000;

/** How long the server may take to record its gate report on a collaborative save. */
const COLLABORATIVE_REPORT_WAIT_MS = 10_000;

/** How long to wait for a context to finish a save before giving up on its revert. */
const REVERT_WAIT_MS = 30_000;

export interface ISaveGuardOptions {
  contents: Contents.IManager;
  docManager: IDocumentManager | null;
  commands: CommandRegistry;
  /**
   * Offer fixes for a refused save of `path` (the fix dialog of its open
   * notebook); false when there is nothing to fix it in, and the report's
   * own dialog is shown instead.
   */
  offerFixes?: (path: string, report: IGateReport) => boolean;
}

/**
 * The cancel error JupyterLab passes on without a dialog: `context.save`
 * checks the name, Save-As checks the message. The gate's message rides along.
 */
export function modalCancel(gateMessage: string): Error {
  const error = Object.assign(new Error('Cancel'), { gateMessage });
  error.name = 'ModalCancelError';
  gateCancels.add(error);
  return error;
}

/** The cancel errors made by `modalCancel`, and no others. */
const gateCancels = new WeakSet<object>();

/**
 * Closing a dirty document and choosing "Save" runs JupyterLab's
 * `void widgetManager.onClose(widget)`: when the gate refuses that save, the
 * document rightly stays open, but nothing catches the cancel and the browser
 * logs an unhandled rejection. The user has already been told (our dialog),
 * so only our own cancels are marked handled here; any other stays loud.
 */
function quietGateCancel(event: PromiseRejectionEvent): void {
  if (typeof event.reason === 'object' && gateCancels.has(event.reason)) {
    event.preventDefault();
  }
}

/** The gate's action for a failed request, or null when the gate did not refuse it. */
export function refusalOf(error: unknown): GateAction | null {
  if (!(error instanceof ServerConnection.ResponseError)) {
    return null;
  }
  const action = asAction(error.response.headers.get(GATE_HEADER));
  return action !== null && REFUSALS.has(action) ? action : null;
}

/** The id of the gate's report on a failed request, when the server sent one. */
export function reportIdOf(error: unknown): string | null {
  if (!(error instanceof ServerConnection.ResponseError)) {
    return null;
  }
  return error.response.headers.get(REPORT_HEADER) || null;
}

export class SaveGuard {
  constructor(private readonly _options: ISaveGuardOptions) {}

  /** Wrap the contents manager's save; call once. */
  install(): void {
    const { contents, commands } = this._options;
    const save = contents.save.bind(contents);
    contents.save = async (path, options) => {
      let saved: Contents.IModel;
      try {
        saved = await save(path, options);
      } catch (error) {
        throw await this._onSaveFailed(path, error);
      }
      this._onSaved(path, saved);
      return saved;
    };
    window.addEventListener('unhandledrejection', quietGateCancel);
    // Close-and-save runs no command: the user's click or Enter on a button of
    // JupyterLab's own dialog ("Save" in "Save changes before closing?") marks
    // the save that follows as theirs. Our own dialogs do not count.
    const onDialogGesture = (event: Event) => {
      const dialog = (event.target as Element | null)?.closest?.('.jp-Dialog');
      const isKey = event instanceof KeyboardEvent;
      if (
        dialog &&
        !dialog.querySelector('.jp-SecretsFix, .jp-SecretsFindings') &&
        (!isKey || (event as KeyboardEvent).key === 'Enter')
      ) {
        this._gestureAt = Date.now();
      }
    };
    document.addEventListener('click', onDialogGesture, true);
    document.addEventListener('keydown', onDialogGesture, true);
    commands.commandExecuted.connect((_, args) => {
      if (EXPLICIT_SAVE_COMMANDS.has(args.id)) {
        this._explicitSaveAt = Date.now();
      }
    });
  }

  /**
   * With real-time collaboration (jupyter-collaboration), the browser does not
   * PUT the file: the server saves its shared copy, the gate refuses that save
   * on the server, and the browser hears nothing of it. So after each save of
   * a collaborative document the gate's newest report for the path is fetched
   * (the one recorded after the save started) and a refusal is explained as
   * any other. Call once per document context.
   */
  watchCollaborative(context: DocumentRegistry.Context): void {
    if (!context.model.collaborative) {
      return;
    }
    let before: Promise<string | null> = Promise.resolve(null);
    context.saveState.connect((_, state) => {
      if (state === 'started') {
        before = this._lastReportId(context.localPath);
      } else if (state === 'completed') {
        void before.then(id => this._afterCollaborativeSave(context, id));
      }
    });
  }

  private async _lastReportId(path: string): Promise<string | null> {
    try {
      return (await fetchLatestReport(path))?.id ?? null;
    } catch {
      return null;
    }
  }

  private async _afterCollaborativeSave(
    context: DocumentRegistry.Context,
    before: string | null
  ): Promise<void> {
    const deadline = Date.now() + COLLABORATIVE_REPORT_WAIT_MS;
    while (Date.now() < deadline && !context.isDisposed) {
      let report: IGateReport | null = null;
      try {
        report = await fetchLatestReport(context.localPath);
      } catch {
        report = null;
      }
      if (report && report.id !== before) {
        if (REFUSALS.has(report.action)) {
          // The shared copy on the server is not on disk: the file is not saved.
          context.model.dirty = true;
          this._announceRefusal(context.path, report);
        } else {
          this._onSaved(context.path, {
            [REPORT_KEY]: report
          } as unknown as Contents.IModel);
        }
        return;
      }
      await new Promise(resolve => setTimeout(resolve, 250));
    }
  }

  /** The error the caller should see: a silent cancel for gate refusals. */
  private async _onSaveFailed(path: string, error: unknown): Promise<unknown> {
    const action = refusalOf(error);
    if (action === null) {
      return error;
    }
    const message = (error as Error).message;
    const report = await this._reportFor(
      path,
      action,
      message,
      reportIdOf(error)
    );
    this._announceRefusal(path, report);
    this._markFailed(path);
    return modalCancel(message);
  }

  /**
   * A cancelled save never emits 'failed', so the status bar would say
   * "Saving started" forever; say what happened once the context has rethrown.
   */
  private _markFailed(path: string): void {
    setTimeout(() => {
      for (const context of this._contextsFor(path)) {
        const signal = context.saveState;
        if (signal instanceof Signal && !context.isDisposed) {
          signal.emit('failed');
        }
      }
    }, 0);
  }

  /**
   * The full report (with findings) for a refusal; the message alone if unavailable.
   * JupyterLab keeps only the message of the error body, so the findings are
   * fetched: by the report's id, so another save of the same path in between
   * (a second tab's autosave, a script) cannot hand over its report. Servers
   * without report ids get the path's last report if its action matches.
   */
  private async _reportFor(
    path: string,
    action: GateAction,
    message: string,
    id: string | null
  ): Promise<IGateReport> {
    const local = this._options.contents.localPath(path);
    try {
      const report = await fetchReport(local, id);
      if (report.action === action) {
        return report;
      }
    } catch (error) {
      console.warn(String(error));
    }
    return {
      path: local,
      policy: null,
      action,
      message,
      findings: []
    };
  }

  /**
   * A modal for a save the user asked for (a save command, or the Save button
   * of close-and-save); autosave never interrupts typing with a modal, it
   * only updates one notification (whose Details opens the fixes).
   */
  private _announceRefusal(path: string, report: IGateReport): void {
    const now = Date.now();
    const explicit =
      now - this._explicitSaveAt < EXPLICIT_WINDOW_MS ||
      now - this._gestureAt < GESTURE_WINDOW_MS;
    this._explicitSaveAt = this._gestureAt = 0;
    if (this._openDialogs.has(path)) {
      return;
    }
    if (explicit) {
      if (
        report.action === 'blocked' &&
        this._options.offerFixes?.(path, report)
      ) {
        return;
      }
      this._openDialogs.add(path);
      void showFindingsDialog(report).finally(() =>
        this._openDialogs.delete(path)
      );
      return;
    }
    const text =
      report.action === 'blocked'
        ? `${fileName(report)} is still not saved: it contains ${summarize(report.findings)}.`
        : report.message;
    this._notify(path, 'error', text, report);
  }

  private _onSaved(path: string, saved: Contents.IModel): void {
    const report = reportOfSavedModel(saved);
    if (report === null) {
      return;
    }
    const name = fileName(report);
    switch (report.action) {
      case 'stripped':
        this._notify(
          path,
          'warning',
          `${name}: ${summarize(report.findings)} redacted on disk; the editor now shows the saved file.`,
          report
        );
        this._revertAfterSave(path);
        break;
      case 'warned':
        this._notify(
          path,
          'warning',
          `${name} was saved but contains ${summarize(report.findings)}; move it to the secret store.`,
          report
        );
        break;
      case 'unscanned':
        this._notify(path, 'warning', report.message, report);
        break;
      default:
        this._dismiss(path);
    }
  }

  /** One notification per path, updated in place so autosaves do not stack them. */
  private _notify(
    path: string,
    type: 'warning' | 'error',
    message: string,
    report: IGateReport
  ): void {
    const actions: Notification.IAction[] = report.findings.length
      ? [
          {
            label: 'Details',
            caption: 'Show where the secrets are',
            callback: () => {
              const fixed =
                report.action === 'blocked' &&
                this._options.offerFixes?.(path, report);
              if (!fixed) {
                void showFindingsDialog(report);
              }
            }
          }
        ]
      : [];
    const previous = this._notifications.get(path);
    if (
      previous !== undefined &&
      Notification.update({
        id: previous,
        message,
        type,
        actions,
        autoClose: false
      })
    ) {
      return;
    }
    const id = Notification.emit(message, type, { autoClose: false, actions });
    this._notifications.set(path, id);
  }

  private _dismiss(path: string): void {
    const id = this._notifications.get(path);
    if (id !== undefined) {
      Notification.dismiss(id);
      this._notifications.delete(path);
    }
  }

  /** Reload every open document of `path` once its save completes: disk is the truth. */
  private _revertAfterSave(path: string): void {
    for (const context of this._contextsFor(path)) {
      const onState = (
        _: DocumentRegistry.Context,
        state: DocumentRegistry.SaveState
      ) => {
        if (state === 'started') {
          return;
        }
        clearTimeout(timer);
        context.saveState.disconnect(onState);
        if (state === 'completed' && !context.isDisposed) {
          void this._revert(context);
        }
      };
      const timer = setTimeout(
        () => context.saveState.disconnect(onState),
        REVERT_WAIT_MS
      );
      context.saveState.connect(onState);
    }
  }

  private async _revert(context: DocumentRegistry.Context): Promise<void> {
    try {
      await context.revert();
      // The model now equals the file on disk.
      context.model.dirty = false;
    } catch (error) {
      console.warn(`jupyter-secrets: could not reload ${context.path}`, error);
    }
  }

  private _contextsFor(path: string): DocumentRegistry.Context[] {
    const { docManager } = this._options;
    const widget = docManager?.findWidget(path, null);
    const context = widget ? docManager?.contextForWidget(widget) : undefined;
    return context ? [context] : [];
  }

  private _explicitSaveAt = 0;
  private _gestureAt = 0;
  private readonly _openDialogs = new Set<string>();
  private readonly _notifications = new Map<string, string>();
}
