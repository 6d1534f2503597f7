import { Dialog, showDialog } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { Widget } from '@lumino/widgets';

import { Confidence, IFinding, IGateReport } from './api';

/** Dialog titles, one per thing the gate can do to a save. */
export const TITLES = {
  blocked: 'Save blocked: secrets found',
  refused: 'Save refused: could not check for secrets',
  stripped: 'Secrets redacted on save',
  warned: 'Saved with secrets'
} as const;

/** Findings listed in a dialog; the rest are counted. */
const MAX_LISTED = 20;

/** What each confidence level means, as a tooltip. */
export const CONFIDENCE_HELP: Record<Confidence, string> = {
  verified:
    'Verified: a checksum or the structure proves it is a real credential format',
  likely:
    "Likely: a vendor's token format, or a credential name with a strong value",
  possible:
    'Possible: weak evidence (a short or dictionary-like password, a default credential on localhost)'
};

/** " (likely)", or " (possible, only warned)" for a finding that did not block. */
export function describeConfidence(
  finding: IFinding,
  report?: IGateReport
): string {
  if (!finding.confidence) {
    return '';
  }
  const warnedOnly =
    report !== undefined &&
    report.action !== 'warned' &&
    finding.policy === 'warn';
  return ` (${finding.confidence}${warnedOnly ? ', only warned' : ''})`;
}

/**
 * Where a finding is, in the words a user sees: "cell 2 (output 1, line 3,
 * column 5)". The twin of the server's `describe_place`: words count cells and
 * outputs from 1, the `cell_index` and `output_index` fields from 0.
 */
export function describePlace(finding: IFinding): string {
  const at = `line ${finding.line}, column ${finding.column}`;
  if (finding.cell_index === null || finding.cell_index === undefined) {
    return finding.location === 'metadata' ? 'notebook metadata' : at;
  }
  const cell = `cell ${finding.cell_index + 1}`;
  if (finding.location === 'metadata') {
    // Cell metadata, attachments or an unknown key: no line a user could go to.
    return `${cell} (metadata)`;
  }
  const part =
    finding.location === 'output'
      ? `output ${(finding.output_index ?? 0) + 1}`
      : 'source';
  return `${cell} (${part}, ${at})`;
}

/** "AWS Access Key in cell 1" or "3 secrets (AWS Access Key, Slack Token)". */
export function summarize(findings: IFinding[]): string {
  if (findings.length === 1) {
    const [only] = findings;
    const where =
      only.cell_index === null || only.cell_index === undefined
        ? `line ${only.line}`
        : `cell ${only.cell_index + 1}`;
    return `${only.type} in ${where}`;
  }
  const types = [...new Set(findings.map(f => f.type))].sort();
  const shown = types.slice(0, 3).join(', ') + (types.length > 3 ? ', …' : '');
  return `${findings.length} secrets (${shown})`;
}

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
function headline(report: IGateReport): string {
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

const GUIDANCE =
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
