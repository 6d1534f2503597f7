/**
 * The Secrets panel (left sidebar): the refs this user can read, grouped by
 * scope, with their metadata; a click inserts a reference at the cursor, and
 * "New secret" stores a value typed into a masked field. It never shows a
 * value: the listing API returns none, and a typed value lives only in the
 * password field until the PUT that stores it.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { IEditorTracker } from '@jupyterlab/fileeditor';
import { INotebookTracker, NotebookActions } from '@jupyterlab/notebook';
import { lockIcon } from '@jupyterlab/ui-components';
import { Widget } from '@lumino/widgets';

import { requestAPI, SecretsApiError, storeSecret } from './api';
import { filterRefs, groupByScope, insertionFor } from './insertion';
import { isValidRef } from './refSuggest';

interface ISecretInfo {
  ref: string;
  backend: string;
  version: string | null;
  updated: string | null;
}

/** What a failed listing or store means for the user, in one line. */
export function explainFailure(error: unknown): string {
  const status = error instanceof SecretsApiError ? error.status : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (status === 503) {
    return `The secret store is locked or unavailable: ${message}`;
  }
  if (status === 403) {
    return `Not allowed: ${message}`;
  }
  return message;
}

export class SecretsPanel extends Widget {
  constructor(
    private readonly _notebooks: INotebookTracker | null,
    private readonly _editors: IEditorTracker | null,
    private readonly _app: JupyterFrontEnd
  ) {
    super();
    this.id = 'jp-secrets-panel';
    this.addClass('jp-SecretsPanel');
    this.title.icon = lockIcon;
    this.title.caption = 'Secrets';
    this.node.setAttribute('role', 'region');
    this.node.setAttribute('aria-label', 'Secrets');
    this._build();
    // What the notebook's kernel holds changes as cells run and notebooks switch.
    _notebooks?.currentChanged.connect(() => this._refreshFetched());
    NotebookActions.executed.connect(() => this._refreshFetched());
  }

  /** Ask the server for the listing again; `done` stays as the status line. */
  async refresh(done = ''): Promise<void> {
    this._setStatus(done || 'Loading…');
    try {
      const body = await requestAPI<{ secrets?: ISecretInfo[] }>('secrets');
      this._items = body.secrets ?? [];
      this._setStatus(
        done || (this._items.length ? '' : 'No secrets stored yet.')
      );
    } catch (error) {
      this._items = [];
      this._setStatus(explainFailure(error));
    }
    await this._refreshFetched(false);
    this._renderList();
  }

  /** Ask which refs the current notebook's kernel fetched (names only). */
  private async _refreshFetched(render = true): Promise<void> {
    if (!this.isVisible && render) {
      return;
    }
    const kernel =
      this._notebooks?.currentWidget?.sessionContext.session?.kernel;
    let fetched = new Set<string>();
    if (kernel) {
      try {
        const body = await requestAPI<{ refs?: string[] }>(
          `kernels/${encodeURIComponent(kernel.id)}/refs`
        );
        fetched = new Set(body.refs ?? []);
      } catch {
        // a kernel the link does not know fetched nothing through it
      }
    }
    const changed =
      fetched.size !== this._fetched.size ||
      [...fetched].some(r => !this._fetched.has(r));
    this._fetched = fetched;
    if (render && changed) {
      this._renderList();
    }
  }

  protected onAfterShow(): void {
    void this.refresh();
  }

  private _build(): void {
    const head = document.createElement('div');
    head.className = 'jp-SecretsPanel-head';
    this._filter.type = 'search';
    this._filter.placeholder = 'Filter refs';
    this._filter.className = 'jp-SecretsPanel-filter jp-mod-styled';
    this._filter.setAttribute('aria-label', 'Filter secrets by ref');
    this._filter.addEventListener('input', () => this._renderList());
    const refresh = this._button(
      'Refresh',
      'Reload the list of secrets',
      () => void this.refresh()
    );
    head.append(this._filter, refresh);

    const form = document.createElement('form');
    form.className = 'jp-SecretsPanel-new';
    form.setAttribute('aria-label', 'New secret');
    this._newRef.placeholder = 'dev/warehouse/password';
    this._newRef.className = 'jp-mod-styled';
    this._newRef.setAttribute('aria-label', 'Ref of the new secret');
    this._newRef.spellcheck = false;
    this._newValue.type = 'password';
    this._newValue.autocomplete = 'off';
    this._newValue.placeholder = 'value (never shown)';
    this._newValue.className = 'jp-mod-styled';
    this._newValue.setAttribute('aria-label', 'Value of the new secret');
    const store = document.createElement('button');
    store.type = 'submit';
    store.className = 'jp-Button jp-mod-styled jp-mod-accept';
    store.textContent = 'New secret';
    form.append(this._newRef, this._newValue, store);
    form.addEventListener('submit', event => {
      event.preventDefault();
      void this._store();
    });

    this._status.className = 'jp-SecretsPanel-status';
    this._status.setAttribute('role', 'status');
    this._list.className = 'jp-SecretsPanel-list';
    this._list.setAttribute('aria-label', 'Stored secrets');
    this.node.append(head, form, this._status, this._list);
  }

  private _button(
    label: string,
    caption: string,
    onClick: () => void
  ): HTMLButtonElement {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'jp-Button jp-mod-styled';
    button.textContent = label;
    button.title = caption;
    button.addEventListener('click', onClick);
    return button;
  }

  private async _store(): Promise<void> {
    const ref = this._newRef.value.trim();
    if (!isValidRef(ref)) {
      this._setStatus(
        `"${ref}" is not a ref: use scope/group/name, e.g. dev/warehouse/password.`
      );
      return;
    }
    if (!this._newValue.value) {
      this._setStatus('Type the value to store.');
      return;
    }
    let done: string;
    try {
      // Read from the field straight into the request; the field is cleared either way.
      await storeSecret(ref, this._newValue.value);
      this._newRef.value = '';
      done = `Stored ${ref}.`;
    } catch (error) {
      done = explainFailure(error);
    } finally {
      this._newValue.value = '';
    }
    await this.refresh(done);
  }

  private _renderList(): void {
    this._list.replaceChildren();
    const shown = filterRefs(this._items, this._filter.value);
    for (const [scope, items] of groupByScope(shown)) {
      const group = document.createElement('li');
      group.className = 'jp-SecretsPanel-scope';
      const heading = document.createElement('div');
      heading.className = 'jp-SecretsPanel-scopeName';
      heading.textContent = scope;
      const refs = document.createElement('ul');
      for (const item of items) {
        refs.appendChild(this._item(item));
      }
      group.append(heading, refs);
      this._list.appendChild(group);
    }
  }

  private _item(info: ISecretInfo): HTMLLIElement {
    const item = document.createElement('li');
    item.className = 'jp-SecretsPanel-item';
    const insert = document.createElement('button');
    insert.type = 'button';
    insert.className = 'jp-SecretsPanel-ref';
    insert.textContent = info.ref;
    insert.dataset.jpSecretsRef = info.ref;
    insert.title = `Insert a reference to ${info.ref} at the cursor`;
    insert.addEventListener('click', () => this._insert(info.ref));
    const meta = document.createElement('span');
    meta.className = 'jp-SecretsPanel-meta';
    const parts = [info.backend];
    if (info.version) {
      parts.push(`v${info.version}`);
    }
    if (info.updated) {
      parts.push(`changed ${info.updated.slice(0, 10)}`);
    }
    meta.textContent = parts.join(' · ');
    item.append(insert, meta);
    if (this._fetched.has(info.ref)) {
      item.classList.add('jp-mod-fetched');
      item.dataset.jpSecretsFetched = '';
      const mark = document.createElement('span');
      mark.className = 'jp-SecretsPanel-fetched';
      mark.textContent = 'in this kernel';
      mark.title =
        "Fetched by this notebook's kernel: the value is in its memory";
      meta.append(' · ', mark);
    }
    return item;
  }

  /** Insert a reference at the cursor of the notebook cell or file being edited. */
  private _insert(ref: string): void {
    const current = this._app.shell.currentWidget;
    const panel = this._notebooks?.currentWidget;
    const file = this._editors?.currentWidget;
    const editor =
      panel && (current === panel || !file)
        ? panel.content.activeCell?.editor
        : file?.content.editor;
    if (!editor) {
      this._setStatus('Open a notebook or a file and place the cursor first.');
      return;
    }
    const cursor = editor.getCursorPosition();
    const line = editor.getLine(cursor.line) ?? '';
    const target = editor === file?.content.editor ? 'file' : 'code';
    editor.replaceSelection?.(
      insertionFor(line.slice(0, cursor.column), ref, target)
    );
    editor.focus();
  }

  private _setStatus(text: string): void {
    this._status.textContent = text;
  }

  private _items: ISecretInfo[] = [];
  private _fetched = new Set<string>();
  private readonly _filter = document.createElement('input');
  private readonly _newRef = document.createElement('input');
  private readonly _newValue = document.createElement('input');
  private readonly _status = document.createElement('p');
  private readonly _list = document.createElement('ul');
}

/** Add the panel to the left sidebar. */
export function activateSecretsPanel(
  app: JupyterFrontEnd,
  notebooks: INotebookTracker | null,
  editors: IEditorTracker | null
): SecretsPanel {
  const panel = new SecretsPanel(notebooks, editors, app);
  app.shell.add(panel, 'left', { rank: 600 });
  return panel;
}
