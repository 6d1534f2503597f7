import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { GateAction, Origin, Policy, asAction, asPolicy } from './vocabulary';

export type { GateAction, Origin, Policy } from './vocabulary';

/** The REST namespace served by the jupyter_secrets server extension. */
export const API_NAMESPACE = 'jupyter-secrets';

/** What the server does when a save contains a secret. */
export interface IPolicy {
  policy: Policy;
  [key: string]: unknown;
}

/** Raised when the server extension answers with an error or not at all. */
export class SecretsApiError extends Error {
  constructor(
    message: string,
    readonly status?: number
  ) {
    super(message);
    this.name = 'SecretsApiError';
  }
}

/**
 * Call an endpoint under `/jupyter-secrets/` and decode its JSON body.
 */
export async function requestAPI<T>(
  endPoint: string,
  init: RequestInit = {},
  settings: ServerConnection.ISettings = ServerConnection.makeSettings(),
  query: Record<string, string> = {}
): Promise<T> {
  const url =
    URLExt.join(settings.baseUrl, API_NAMESPACE, endPoint) +
    (Object.keys(query).length ? URLExt.objectToQueryString(query) : '');
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, init, settings);
  } catch (error) {
    throw new SecretsApiError(
      `jupyter-secrets: cannot reach the server (${String(error)})`
    );
  }
  const text = await response.text();
  if (!response.ok) {
    // The server's one-line, value-free message says what to do; keep it.
    let message = '';
    try {
      const parsed = JSON.parse(text) as { message?: unknown };
      message = typeof parsed.message === 'string' ? parsed.message : '';
    } catch {
      // not JSON: the status is all there is
    }
    throw new SecretsApiError(
      message ||
        `jupyter-secrets: ${endPoint} answered HTTP ${response.status}`,
      response.status
    );
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new SecretsApiError(
      `jupyter-secrets: ${endPoint} did not answer JSON`,
      response.status
    );
  }
}

/** Fetch the save policy (`GET /jupyter-secrets/policy`). */
export async function fetchPolicy(
  settings?: ServerConnection.ISettings,
  path?: string
): Promise<IPolicy> {
  const body = await requestAPI<Partial<IPolicy>>(
    'policy',
    {},
    settings,
    path ? { path } : {}
  );
  if (asPolicy(body.policy) === null) {
    throw new SecretsApiError(
      'jupyter-secrets: policy answer has no known "policy" field'
    );
  }
  return body as IPolicy;
}

/** Response header naming what the save gate did with a request. */
export const GATE_HEADER = 'X-Jupyter-Secrets-Action';

/** Response header with the id of the gate's report on that request. */
export const REPORT_HEADER = 'X-Jupyter-Secrets-Report';

/** Key of the gate's report in a successful save's JSON body. */
export const REPORT_KEY = 'jupyter_secrets';

/**
 * How sure the scanner is of a finding: `verified` (a checksum or the structure
 * proves it), `likely` (a vendor shape, or a credential name with a strong
 * value) or `possible` (weak evidence: a short or dictionary-like password, a
 * default credential on localhost).
 */
export type Confidence = 'verified' | 'likely' | 'possible';

/** One secret found by the gate; never carries the value. */
export interface IFinding {
  path?: string;
  /** 0-based index in the notebook's cells; null for plain files. */
  cell_index: number | null;
  cell_id: string | null;
  /** "source", "output" or "metadata" (cell or notebook metadata, attachments). */
  location: string;
  /** 0-based index in the cell's outputs, for output findings. */
  output_index: number | null;
  /** 1-based, within the cell source, the output text, or the file. */
  line: number;
  column: number;
  /** e.g. "AWS Access Key". */
  type: string;
  /** Absent from servers older than confidence levels. */
  confidence?: Confidence;
  /** The policy this finding got at save ("block", "strip" or "warn"). */
  policy?: Policy;
  hashed_secret: string;
  /** Masked, e.g. "AKIA************WXYZ". */
  preview: string;
  /**
   * Scan API only: the value's offsets in the cell source or file text, in
   * UTF-16 units (JavaScript string indices); null for outputs and metadata.
   */
  range?: { start: number; end: number } | null;
}

/** The gate's report for one save (`GET /jupyter-secrets/findings?path=&id=`). */
export interface IGateReport {
  /** Random id of this report, as in the X-Jupyter-Secrets-Report header. */
  id?: string;
  path: string;
  /** The path's policy; null in a report made up when the server's could not be had. */
  policy: Policy | null;
  action: GateAction;
  /** One line, value-free, says what to do. */
  message: string;
  origin?: Origin;
  findings: IFinding[];
  time?: number;
}

/** The gate's report carried by a saved model, if any. */
export function reportOfSavedModel(model: unknown): IGateReport | null {
  if (typeof model !== 'object' || model === null) {
    return null;
  }
  return asReport((model as Record<string, unknown>)[REPORT_KEY]);
}

/** `value` as a gate report when it has the fields the UI relies on. */
export function asReport(value: unknown): IGateReport | null {
  if (typeof value !== 'object' || value === null) {
    return null;
  }
  const report = value as Record<string, unknown>;
  const action = asAction(report.action);
  const policy = asPolicy(report.policy);
  if (
    action === null ||
    policy === null ||
    typeof report.message !== 'string'
  ) {
    return null;
  }
  return {
    id: typeof report.id === 'string' ? report.id : undefined,
    path: String(report.path ?? ''),
    policy,
    action,
    message: report.message,
    origin: report.origin as Origin | undefined,
    findings: Array.isArray(report.findings)
      ? (report.findings as IFinding[])
      : [],
    time: typeof report.time === 'number' ? report.time : undefined
  };
}

/**
 * The gate's report `id` on a save of `path` (`GET /jupyter-secrets/findings`);
 * without an id, the last report the gate recorded for `path`, whichever save
 * that was.
 */
export async function fetchReport(
  path: string,
  id?: string | null,
  settings?: ServerConnection.ISettings
): Promise<IGateReport> {
  const query: Record<string, string> = id ? { path, id } : { path };
  const body = await requestAPI<unknown>('findings', {}, settings, query);
  const report = asReport(body);
  if (report === null) {
    throw new SecretsApiError(
      'jupyter-secrets: findings answer is not a gate report'
    );
  }
  if (id && report.id !== id) {
    throw new SecretsApiError(
      'jupyter-secrets: findings answer is the report of another save'
    );
  }
  return report;
}

/** One cell, a whole notebook, or a file's text, as `POST /jupyter-secrets/scan` takes it. */
export type ScanRequest =
  | { cell: unknown; cell_index: number; path: string }
  | { model: { type: 'notebook'; content: unknown }; path: string }
  | { text: string; path: string };

/** Findings (with ranges) in what the editor holds now; never sends anything but the content. */
export async function scan(
  request: ScanRequest,
  settings?: ServerConnection.ISettings
): Promise<IFinding[]> {
  const body = await requestAPI<{ findings?: IFinding[] }>(
    'scan',
    { method: 'POST', body: JSON.stringify(request) },
    settings
  );
  return Array.isArray(body.findings) ? body.findings : [];
}

/** Store `value` under `ref` (`PUT /jupyter-secrets/secrets/{ref}`); the value is never echoed. */
export async function storeSecret(
  ref: string,
  value: string,
  settings?: ServerConnection.ISettings
): Promise<{ ref: string; version?: string | null }> {
  return requestAPI<{ ref: string; version?: string | null }>(
    `secrets/${ref.split('/').map(encodeURIComponent).join('/')}`,
    { method: 'PUT', body: JSON.stringify({ value }) },
    settings
  );
}

/**
 * The gate's newest report on `path`, or null when no save of it was checked
 * yet (the server answers 204 to `wait=1`, so polling logs no error).
 */
export async function fetchLatestReport(
  path: string,
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<IGateReport | null> {
  const url =
    URLExt.join(settings.baseUrl, API_NAMESPACE, 'findings') +
    URLExt.objectToQueryString({ path, wait: '1' });
  const response = await ServerConnection.makeRequest(url, {}, settings);
  if (response.status === 204) {
    return null;
  }
  if (!response.ok) {
    throw new SecretsApiError(
      `jupyter-secrets: findings answered HTTP ${response.status}`,
      response.status
    );
  }
  return asReport(await response.json());
}
