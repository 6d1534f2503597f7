import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** The REST namespace served by the jupyter_secrets server extension. */
export const API_NAMESPACE = 'jupyter-secrets';

/** What the server does when a save contains a secret. */
export interface IPolicy {
  /** e.g. "block", "strip" or "warn". */
  policy: string;
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
  settings: ServerConnection.ISettings = ServerConnection.makeSettings()
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, API_NAMESPACE, endPoint);
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
    throw new SecretsApiError(
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
  settings?: ServerConnection.ISettings
): Promise<IPolicy> {
  const body = await requestAPI<Partial<IPolicy>>('policy', {}, settings);
  if (typeof body.policy !== 'string') {
    throw new SecretsApiError(
      'jupyter-secrets: policy answer has no "policy" field'
    );
  }
  return body as IPolicy;
}
