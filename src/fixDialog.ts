/**
 * The dialog that lists a notebook's findings with a fix for each one.
 *
 * It always works on a fresh scan of what the editor holds (not on the
 * report of a save that is already past), applies each fix to the notebook
 * model, scans again, and shows what is left. "Fix all and save" moves every
 * literal to the store, clears every output that shows one, and saves once
 * nothing is left.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';

import { IFinding, IGateReport, requestAPI } from './api';
import { GUIDANCE, headline, TITLES } from './findingsDialog';
import { describePlace } from './findingText';
import {
  allowFinding,
  clearOutput,
  FixKind,
  fixesFor,
  IFixResult,
  moveToStore,
  redactValue,
  suggestedRef,
  useStoredRef
} from './fixes';
import { LiveChecker } from './liveCheck';
import { findingLabel } from './markPlan';
import { isValidRef } from './refSuggest';

export interface IFixDialogOptions {
  panel: NotebookPanel;
  checker: LiveChecker;
  /** Scopes the server lets this client write (the policy's writable_scopes). */
  writableScopes: string[];
  /** The gate's report when a refused save opened the dialog, else null. */
  refusal: IGateReport | null;
  /** Set when "fix all" left findings that need the user's choice. */
  leftOver?: boolean;
}

/** Fix all rescans after each round; a notebook needs as many rounds as its busiest cell has secrets. */
const MAX_FIX_PASSES = 20;

const LABELS: Record<FixKind, string> = {
  move: 'Move to secret store',
  clear: 'Clear output',
  redact: 'Redact',
  allow: 'Allow'
};

/** Open the dialog; resolves once it is closed (saved or not). */
export async function showFixDialog(options: IFixDialogOptions): Promise<void> {
  await options.checker.checkAll();
  const existing = await existingRefs();
  const body = new FixList(options, existing);
  body.render();
  const result = await showDialog({
    title: options.refusal ? TITLES.blocked : 'Secrets in this notebook',
    body,
    buttons: [
      Dialog.cancelButton({ label: 'Close' }),
      Dialog.okButton({
        label: 'Fix all and save',
        caption:
          'Move every value to the secret store, clear outputs that show one, then save'
      })
    ],
    focusNodeSelector: '.jp-SecretsFix-action'
  });
  if (!result.button.accept) {
    return;
  }
  await body.fixAll();
  await options.checker.checkAll();
  if (options.checker.findings().length === 0) {
    await options.panel.context.save();
  } else {
    await showFixDialog({ ...options, refusal: null, leftOver: true });
  }
}

async function existingRefs(): Promise<Set<string>> {
  try {
    const listing = await requestAPI<{ secrets?: { ref: string }[] }>(
      'secrets'
    );
    return new Set((listing.secrets ?? []).map(s => s.ref));
  } catch {
    return new Set(); // a locked store is reported when a value is stored
  }
}

/** The dialog's body: one row per finding, redrawn after each fix. */
class FixList extends Widget {
  constructor(
    private readonly _options: IFixDialogOptions,
    private readonly _existing: Set<string>
  ) {
    super();
    this.addClass('jp-SecretsFix');
  }

  render(message?: string): void {
    const node = this.node;
    node.replaceChildren();
    const findings = this._options.checker.findings();
    this._findings = findings;
    const head = document.createElement('p');
    head.className = 'jp-SecretsFix-headline';
    const { refusal, leftOver } = this._options;
    head.textContent = !findings.length
      ? 'No secrets left in this notebook. It can be saved.'
      : refusal
        ? headline(refusal)
        : leftOver
          ? 'These need a choice of yours before the notebook can be saved.'
          : `${findings.length === 1 ? 'One secret' : `${findings.length} secrets`} in this notebook.`;
    node.appendChild(head);
    if (findings.length) {
      const guidance = document.createElement('p');
      guidance.className = 'jp-SecretsFix-guidance';
      guidance.textContent = `Fix each one below, or "Fix all and save". ${GUIDANCE}`;
      node.appendChild(guidance);
    }
    if (message) {
      const status = document.createElement('p');
      status.className = 'jp-SecretsFix-status';
      status.setAttribute('role', 'status');
      status.textContent = message;
      node.appendChild(status);
    }
    const list = document.createElement('ul');
    list.className = 'jp-SecretsFix-list';
    list.setAttribute('aria-label', 'Secrets found');
    const taken = new Set(this._existing);
    findings.forEach((finding, index) =>
      list.appendChild(this._row(finding, index, taken))
    );
    node.appendChild(list);
    this._keepFocus();
  }

  /**
   * A redraw removes the button that had the focus: put it on the next fix, or
   * on the dialog's own buttons, so keyboard users (and Escape) keep working.
   */
  private _keepFocus(): void {
    const active = document.activeElement;
    if (active && active !== document.body && this.node.contains(active)) {
      return;
    }
    if (active && active !== document.body && !this.node.isConnected) {
      return;
    }
    const next =
      this.node.querySelector<HTMLElement>('.jp-SecretsFix-action') ??
      this.node
        .closest('.jp-Dialog')
        ?.querySelector<HTMLElement>('.jp-mod-accept');
    next?.focus();
  }

  /**
   * Every finding's first fix: move literals, clear outputs; allow nothing
   * silently. A rewrite shifts offsets in its cell (the import goes on top),
   * so it fixes one finding per cell, rescans, and goes again until nothing
   * more can be fixed.
   */
  async fixAll(): Promise<void> {
    // The refs chosen in the dialog, by value (hash): echoes of one value share one.
    const refs = new Map<string, string>();
    this._findings.forEach((finding, index) => {
      const input = this.node.querySelector<HTMLInputElement>(
        `input[data-jp-secrets-row="${index}"]`
      );
      const ref = input?.value.trim() ?? '';
      if (
        input &&
        this._refProblem(ref) === null &&
        !refs.has(finding.hashed_secret)
      ) {
        refs.set(finding.hashed_secret, ref);
      }
    });
    const stored = new Set<string>();
    const checker = this._options.checker;
    for (let pass = 0; pass < MAX_FIX_PASSES; pass++) {
      const findings = checker.findings();
      const done = new Set<number | null>(); // cells fixed in this pass
      for (const finding of findings) {
        if (done.has(finding.cell_index)) {
          continue;
        }
        if (await this._fixOne(finding, refs, stored, findings)) {
          done.add(finding.cell_index);
        }
      }
      if (!done.size) {
        return;
      }
      await checker.checkAll();
    }
  }

  /** The first fix of one finding, for fix all; true when it changed the notebook. */
  private async _fixOne(
    finding: IFinding,
    refs: Map<string, string>,
    stored: Set<string>,
    findings: IFinding[]
  ): Promise<boolean> {
    const panel = this._options.panel;
    const kinds = fixesFor(panel, finding);
    try {
      const ref = refs.get(finding.hashed_secret);
      if (kinds.includes('move') && ref) {
        if (stored.has(finding.hashed_secret)) {
          return useStoredRef(panel, finding, ref);
        }
        const result = await moveToStore(panel, finding, ref, findings);
        if (result.ok) {
          stored.add(finding.hashed_secret);
        }
        return result.ok;
      }
      if (kinds.includes('clear')) {
        return clearOutput(panel, finding).ok;
      }
    } catch (error) {
      console.warn(`jupyter-secrets: a fix failed: ${String(error)}`);
    }
    return false;
  }

  private _row(
    finding: IFinding,
    index: number,
    taken: Set<string>
  ): HTMLLIElement {
    const row = document.createElement('li');
    row.className = 'jp-SecretsFix-item';
    const title = document.createElement('div');
    title.className = 'jp-SecretsFix-title';
    title.textContent = `${findingLabel(finding)} in ${describePlace(finding)}`;
    row.appendChild(title);
    const kinds = fixesFor(this._options.panel, finding);
    let input: HTMLInputElement | null = null;
    if (kinds.includes('move')) {
      input = document.createElement('input');
      input.className = 'jp-SecretsFix-ref jp-mod-styled';
      input.type = 'text';
      input.spellcheck = false;
      input.dataset.jpSecretsRow = String(index);
      input.setAttribute(
        'aria-label',
        `Secret ref for ${finding.type} in ${describePlace(finding)}`
      );
      input.value = this._uniqueRef(finding, taken);
      row.appendChild(input);
    }
    const actions = document.createElement('div');
    actions.className = 'jp-SecretsFix-actions';
    for (const kind of kinds) {
      actions.appendChild(this._button(kind, finding, input));
    }
    row.appendChild(actions);
    return row;
  }

  /** The suggested ref, made unique among stored refs and this dialog's other rows. */
  private _uniqueRef(finding: IFinding, taken: Set<string>): string {
    const scope = this._options.writableScopes[0] ?? 'dev';
    const base = suggestedRef(this._options.panel, finding, scope);
    let ref = base;
    for (let n = 2; taken.has(ref); n++) {
      ref = `${base}_${n}`;
    }
    taken.add(ref);
    return ref;
  }

  private _button(
    kind: FixKind,
    finding: IFinding,
    input: HTMLInputElement | null
  ): HTMLButtonElement {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = `jp-SecretsFix-action jp-mod-${kind} jp-Button jp-mod-styled`;
    button.textContent = LABELS[kind];
    button.dataset.jpSecretsFix = kind;
    button.addEventListener(
      'click',
      () => void this._apply(kind, finding, input, button)
    );
    return button;
  }

  private async _apply(
    kind: FixKind,
    finding: IFinding,
    input: HTMLInputElement | null,
    button: HTMLButtonElement
  ): Promise<void> {
    if (kind === 'allow' && button.dataset.jpSecretsConfirm !== '1') {
      // Allowing keeps the value in the file: say so, and ask for a second click.
      button.dataset.jpSecretsConfirm = '1';
      button.textContent = 'Keep it in the file? Click to allow';
      return;
    }
    const panel = this._options.panel;
    let result: IFixResult;
    try {
      if (kind === 'move') {
        const ref = input?.value.trim() ?? '';
        const problem = this._refProblem(ref);
        if (problem !== null) {
          this.render(problem);
          return;
        }
        result = await moveToStore(panel, finding, ref, this._findings);
        if (result.ok) {
          await this._options.checker.checkAll();
          // The server now knows the value: any copy left is the same secret.
          for (const echo of this._options.checker.findings()) {
            if (echo.hashed_secret === finding.hashed_secret) {
              useStoredRef(panel, echo, ref);
            }
          }
        }
      } else if (kind === 'clear') {
        result = clearOutput(panel, finding);
      } else if (kind === 'redact') {
        result = redactValue(panel, finding);
      } else {
        result = allowFinding(panel, finding);
      }
    } catch (error) {
      result = {
        ok: false,
        message: String((error as Error).message ?? error)
      };
    }
    await this._options.checker.checkAll();
    this.render(result.message);
  }

  /** Why `ref` cannot be used, in one line; null when it can. */
  private _refProblem(ref: string): string | null {
    if (!isValidRef(ref)) {
      return `"${ref}" is not a ref: use scope/group/name, e.g. dev/warehouse/password.`;
    }
    const scope = ref.split('/')[0];
    if (!this._options.writableScopes.includes(scope)) {
      const allowed = this._options.writableScopes.join(', ') || 'none';
      return `Scope "${scope}" cannot be written from JupyterLab (writable: ${allowed}); an admin stores it with jupyter-secrets set ${ref}.`;
    }
    return null;
  }

  private _findings: IFinding[] = [];
}
