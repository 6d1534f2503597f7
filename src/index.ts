import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, showDialog, Dialog } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { IEditorTracker } from '@jupyterlab/fileeditor';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { IStatusBar } from '@jupyterlab/statusbar';
import { Widget } from '@lumino/widgets';

import { fetchPolicy, IPolicy } from './api';
import { DEFAULT_SETTINGS, ILiveSettings, LiveSecrets } from './liveSecrets';
import { policyLines } from './policyText';
import { SaveGuard } from './saveGuard';
import { activateSecretsPanel } from './secretsPanel';

const PLUGIN_ID = 'jupyter-secrets:plugin';

export namespace CommandIDs {
  export const showPolicy = 'jupyter-secrets:show-policy';
  export const showFixes = 'jupyter-secrets:show-fixes';
  export const nextFinding = 'jupyter-secrets:next-finding';
}

/** Text shown when the server side of the extension does not answer. */
export const MISSING_TEXT = 'Secrets: server extension missing';

/** Ask the server for the policy (of `path`, when given); null when it does not answer. */
async function askPolicy(path?: string): Promise<IPolicy | null> {
  try {
    return await fetchPolicy(undefined, path);
  } catch (error) {
    console.warn(String(error));
    return null;
  }
}

function createStatusWidget(): Widget {
  const widget = new Widget();
  widget.addClass('jp-SecretsStatus');
  widget.node.setAttribute('data-jp-secrets-status', '');
  widget.node.title = 'jupyter-secrets save policy';
  widget.node.textContent = 'Secrets: …';
  return widget;
}

/** The settings as the schema allows them; defaults for anything else. */
function readSettings(settings: ISettingRegistry.ISettings): ILiveSettings {
  const get = <T>(key: keyof ILiveSettings, kind: string): T =>
    (typeof settings.composite[key] === kind
      ? settings.composite[key]
      : DEFAULT_SETTINGS[key]) as T;
  return {
    liveChecking: get<boolean>('liveChecking', 'boolean'),
    debounceMs: get<number>('debounceMs', 'number'),
    fileEditorMarkers: get<boolean>('fileEditorMarkers', 'boolean')
  };
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Shows the jupyter-secrets save policy and explains blocked, stripped and warned saves.',
  autoStart: true,
  optional: [
    ICommandPalette,
    IStatusBar,
    IDocumentManager,
    INotebookTracker,
    IEditorTracker,
    ISettingRegistry
  ],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    statusBar: IStatusBar | null,
    docManager: IDocumentManager | null,
    notebooks: INotebookTracker | null,
    editors: IEditorTracker | null,
    settingRegistry: ISettingRegistry | null
  ) => {
    activateSecretsPanel(app, notebooks, editors);
    const status = createStatusWidget();
    const live = new LiveSecrets(app, notebooks, editors, status);
    const guard = new SaveGuard({
      contents: app.serviceManager.contents,
      docManager,
      commands: app.commands,
      offerFixes: (path, report) => {
        // Save-As refused: the new path is open nowhere yet; it is the current notebook's.
        const panel = live.notebookAt(path) ?? notebooks?.currentWidget ?? null;
        return panel !== null && live.openFixes(panel, report);
      }
    });
    guard.install();
    notebooks?.widgetAdded.connect((_, panel) =>
      guard.watchCollaborative(panel.context)
    );
    editors?.widgetAdded.connect((_, widget) =>
      guard.watchCollaborative(widget.context)
    );
    if (settingRegistry) {
      void settingRegistry
        .load(PLUGIN_ID)
        .then(settings => {
          live.settings = readSettings(settings);
          settings.changed.connect(
            () => (live.settings = readSettings(settings))
          );
        })
        .catch(error =>
          console.warn(`jupyter-secrets: settings: ${String(error)}`)
        );
    }
    if (statusBar) {
      statusBar.registerStatusItem(PLUGIN_ID, {
        item: status,
        align: 'left',
        rank: 100
      });
    }
    const showPolicyAnswer = (answer: IPolicy | null) => {
      live.policy = answer ? answer.policy : null;
      const scopes = answer?.writable_scopes;
      if (Array.isArray(scopes)) {
        live.writableScopes = scopes.filter(s => typeof s === 'string');
      }
      if (answer) {
        live.updateStatus();
      } else {
        status.node.textContent = MISSING_TEXT;
        status.node.setAttribute('data-jp-secrets-status', MISSING_TEXT);
      }
    };
    void askPolicy().then(showPolicyAnswer);

    app.commands.addCommand(CommandIDs.showFixes, {
      label: 'Show Secrets and Fixes',
      caption: 'List the secrets in this notebook, with a fix for each',
      isEnabled: () => !!notebooks?.currentWidget,
      execute: () => {
        const panel = notebooks?.currentWidget;
        if (panel) {
          live.openFixes(panel, null);
        }
      }
    });
    app.commands.addCommand(CommandIDs.nextFinding, {
      label: 'Go to Next Secret',
      caption: 'Select the next secret found in this document',
      execute: () => live.jumpToNext()
    });

    app.commands.addCommand(CommandIDs.showPolicy, {
      label: 'Show Secrets Policy',
      caption: 'Show what jupyter-secrets does when a save contains a secret',
      execute: async () => {
        const current = app.shell.currentWidget;
        const path = current && docManager?.contextForWidget(current)?.path;
        const answer = await askPolicy(path || undefined);
        showPolicyAnswer(path ? await askPolicy() : answer);
        const body = document.createElement('div');
        body.classList.add('jp-SecretsPolicy');
        for (const line of answer ? policyLines(answer) : [MISSING_TEXT]) {
          const paragraph = document.createElement('p');
          paragraph.textContent = line;
          body.appendChild(paragraph);
        }
        await showDialog({
          title: 'jupyter-secrets',
          body: new Widget({ node: body }),
          buttons: [Dialog.okButton()]
        });
      }
    });
    if (palette) {
      for (const command of Object.values(CommandIDs)) {
        palette.addItem({ command, category: 'Secrets' });
      }
    }
  }
};

export default plugin;
