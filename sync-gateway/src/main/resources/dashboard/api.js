// The admin API with the token kept for this browser tab.

const STORAGE_KEY = 'syncsuite.dashboard.adminToken';

/** An answer other than 2xx, with the API's own description when it sent one. */
export class ApiError extends Error {
  constructor(status, code, description, details) {
    super(description);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }

  /** "PSYNC_S2101 (401): description", or just the description when there is no code. */
  toString() {
    const prefix = [this.code, this.status ? `HTTP ${this.status}` : null].filter(Boolean).join(', ');
    return prefix ? `${this.message} (${prefix})` : this.message;
  }
}

const listeners = new Set();

/** Calls listener(error) when a call is refused with 401 after signing in. */
export function onUnauthorized(listener) {
  listeners.add(listener);
}

export function storedToken() {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function storeToken(token) {
  sessionStorage.setItem(STORAGE_KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(STORAGE_KEY);
}

/**
 * Calls the gateway: a POST with a JSON body unless told otherwise. Answers the result, unwrapped
 * from {"data": ...} when wrapped; throws ApiError for any answer other than 2xx and for a
 * gateway that cannot be reached.
 */
export async function call(path, { method = 'POST', body, contentType = 'application/json', token = storedToken() } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) {
    headers.Authorization = `Bearer ${token}`;
  }
  let payload;
  if (method !== 'GET' && method !== 'HEAD') {
    headers['Content-Type'] = contentType;
    payload = typeof body === 'string' ? body : JSON.stringify(body ?? {});
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload, cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, 'NETWORK', `The gateway did not answer: ${e.message}`);
  }
  const text = await response.text();
  let json = null;
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
  }
  if (!response.ok) {
    const error = json && typeof json === 'object' ? json.error : null;
    const description = error?.description
      ?? (typeof error === 'string' ? error : null)
      ?? (text ? text.slice(0, 500) : response.statusText || 'No description');
    const failure = new ApiError(response.status, error?.code ?? null, description, error?.details);
    if (response.status === 401 && token === storedToken()) {
      listeners.forEach((listener) => listener(failure));
    }
    throw failure;
  }
  if (json === null && text) {
    throw new ApiError(response.status, null, `The gateway answered something other than JSON: ${text.slice(0, 200)}`);
  }
  if (json && typeof json === 'object' && !Array.isArray(json) && Object.keys(json).length === 1 && 'data' in json) {
    return json.data;
  }
  return json;
}

export const admin = {
  status: () => call('/api/admin/v1/status', { body: {} }),
  diagnostics: (content = false) => call('/api/admin/v1/diagnostics', { body: { sync_rules_content: content } }),
  validate: (yaml) => call('/api/admin/v1/validate', { body: { sync_rules: yaml } }),
  reprocess: () => call('/api/admin/v1/reprocess', { body: {} }),
  compact: () => call('/api/admin/v1/compact', { body: {} }),
  token: (subject, seconds) => call('/api/admin/v1/token', { body: { subject, expires_in_seconds: seconds } }),
  inspectUser: (request) => call('/api/admin/v1/inspect-user', { body: request }),
  currentSyncConfig: () => call('/api/sync-rules/v1/current', { method: 'GET' }),
  deploy: (yaml) => call('/api/sync-rules/v1/deploy', { body: yaml, contentType: 'application/yaml' }),
};
