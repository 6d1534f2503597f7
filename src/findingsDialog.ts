import { Dialog, showDialog } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { Widget } from '@lumino/widgets';

import { IFinding, IGateReport } from './api';
import {
  CONFIDENCE_HELP,
  describeConfidence,
  describePlace,
  summarize
} from './findingText';

export { CONFIDENCE_HELP, describeConfidence, describePlace, summarize };

/** Dialog titles, one per thing the gate can do to a save. */
export const TITLES = {
  blocked: 'Save blocked: secrets found',
  refused: 'Save refused: could not check for secrets',
  stripped: 'Secrets redacted on save',
  warned: 'Saved with secrets'
} as const;

/** Findings listed in a dialog; the rest are counted. */
const MAX_LISTED = 20;

/** The file's name, as shown on its tab. */
export function fileName(report: IGateReport): string {
  return PathExt.basename(report.path) || report.path;
}

function paragraph(text: string, className: string): HTMLParagraphElement {
  const node = document.createElement('p');
  node.className = className;
  node.textContent = text;
  return node;
}

function findingItem(finding: IFinding, report: IGateReport): HTMLLIElement {
  const item = document.createElement('li');
  item.className = 'jp-SecretsFindings-item';
  const type = document.createElement('strong');
  type.textContent = finding.type;
  item.append(type);
  if (finding.confidence) {
    const level = document.createElement('span');
    level.className = `jp-SecretsFindings-confidence jp-mod-${finding.confidence}`;
    level.textContent = describeConfidence(finding, report);
    level.title = CONFIDENCE_HELP[finding.confidence] ?? '';
    item.append(level);
  }
  const preview = document.createElement('code');
  preview.className = 'jp-SecretsFindings-preview';
  preview.textContent = finding.preview;
  item.append(` in ${describePlace(finding)}: `, preview);
  return item;
}

function findingList(report: IGateReport): HTMLUListElement {
  const findings = report.findings;
  const list = document.createElement('ul');
  list.className = 'jp-SecretsFindings-list';
  for (const finding of findings.slice(0, MAX_LISTED)) {
    list.appendChild(findingItem(finding, report));
  }
  if (findings.length > MAX_LISTED) {
    const more = document.createElement('li');
    more.textContent = `… and ${findings.length - MAX_LISTED} more`;
    list.appendChild(more);
  }
  return list;
}

/** What happened to the file, first line of the dialog. */
export function headline(report: IGateReport): string {
  const name = fileName(report);
  switch (report.action) {
    case 'blocked':
      return `${name} was not saved: it contains ${summarize(report.findings)}. Your changes are still here, unsaved.`;
    case 'stripped':
      return `${name} was saved with these secrets replaced by [REDACTED]. The editor now shows the saved file.`;
    case 'warned':
      return `${name} was saved, and the file on disk contains these secrets.`;
    default:
      return report.message;
  }
}

export const GUIDANCE =
  'Move each value into the secret store (e.g. jupyter-secrets set dev/app/token), ' +
  'read it at run time with token = %secret dev/app/token, or delete it; then save again.';

/** The dialog body for a report: headline, findings, what to do next. */
export function createFindingsBody(report: IGateReport): Widget {
  const body = new Widget();
  body.addClass('jp-SecretsFindings');
  const node = body.node;
  node.dataset.jpSecretsAction = report.action;
  node.appendChild(paragraph(headline(report), 'jp-SecretsFindings-headline'));
  if (report.findings.length) {
    node.appendChild(findingList(report));
  }
  if (report.action === 'refused') {
    node.appendChild(
      paragraph(
        'Nothing was written and your changes are still here, unsaved.',
        'jp-SecretsFindings-guidance'
      )
    );
  } else {
    node.appendChild(paragraph(GUIDANCE, 'jp-SecretsFindings-guidance'));
  }
  return body;
}

/** Show the findings of one report in a modal dialog. */
export async function showFindingsDialog(report: IGateReport): Promise<void> {
  const title =
    report.action in TITLES
      ? TITLES[report.action as keyof typeof TITLES]
      : 'jupyter-secrets';
  await showDialog({
    title,
    body: createFindingsBody(report),
    buttons: [Dialog.okButton()]
  });
}
