import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, showDialog, Dialog } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { IStatusBar } from '@jupyterlab/statusbar';
import { Widget } from '@lumino/widgets';

import { fetchPolicy, IPolicy } from './api';
import { policyLines } from './policyText';
import { SaveGuard } from './saveGuard';

const PLUGIN_ID = 'jupyter-secrets:plugin';

export namespace CommandIDs {
  export const showPolicy = 'jupyter-secrets:show-policy';
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

/** The status bar's text for a policy answer. */
function statusText(answer: IPolicy | null): string {
  return answer ? `Secrets: ${answer.policy}` : MISSING_TEXT;
}

function createStatusWidget(): Widget {
  const widget = new Widget();
  widget.addClass('jp-SecretsStatus');
  widget.node.setAttribute('data-jp-secrets-status', '');
  widget.node.title = 'jupyter-secrets save policy';
  widget.node.textContent = 'Secrets: …';
  return widget;
}

function setStatus(widget: Widget, text: string): void {
  widget.node.textContent = text;
  widget.node.setAttribute('data-jp-secrets-status', text);
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description:
    'Shows the jupyter-secrets save policy and explains blocked, stripped and warned saves.',
  autoStart: true,
  optional: [ICommandPalette, IStatusBar, IDocumentManager],
  activate: (
    app: JupyterFrontEnd,
    palette: ICommandPalette | null,
    statusBar: IStatusBar | null,
    docManager: IDocumentManager | null
  ) => {
    new SaveGuard({
      contents: app.serviceManager.contents,
      docManager,
      commands: app.commands
    }).install();
    const status = createStatusWidget();
    if (statusBar) {
      statusBar.registerStatusItem(PLUGIN_ID, {
        item: status,
        align: 'left',
        rank: 100
      });
    }
    void askPolicy().then(answer => setStatus(status, statusText(answer)));

    app.commands.addCommand(CommandIDs.showPolicy, {
      label: 'Show Secrets Policy',
      caption: 'Show what jupyter-secrets does when a save contains a secret',
      execute: async () => {
        const current = app.shell.currentWidget;
        const path = current && docManager?.contextForWidget(current)?.path;
        const answer = await askPolicy(path || undefined);
        setStatus(status, statusText(path ? await askPolicy() : answer));
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
      palette.addItem({ command: CommandIDs.showPolicy, category: 'Secrets' });
    }
  }
};

export default plugin;
