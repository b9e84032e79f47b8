import type { ServerResponse } from 'node:http';
import type { SettingsIssue } from '../config';

/**
 * Every error the API answers has this body, so a client needs one error path:
 * `{ "error": { "code": "...", "message": "...", "issues"?: [...], "position"?: n } }`.
 */
export interface ErrorBody {
  error: { code: string; message: string; issues?: SettingsIssue[]; position?: number };
}

/** An error a handler throws to answer with a given status; anything else thrown becomes a 500. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: { issues?: SettingsIssue[]; position?: number; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  body(): ErrorBody {
    const { issues, position } = this.extra;
    return { error: { code: this.code, message: this.message, ...(issues ? { issues } : {}), ...(position !== undefined ? { position } : {}) } };
  }
}

/** Headers every answer carries: no caching of live data, no MIME sniffing, no framing by other sites. */
const COMMON_HEADERS: Record<string, string> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

export function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(value);
  res.writeHead(status, {
    ...COMMON_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendError(res: ServerResponse, err: ApiError): void {
  sendJson(res, err.status, err.body(), err.extra.headers);
}

export function sendBytes(res: ServerResponse, status: number, contentType: string, bytes: Uint8Array, headers: Record<string, string> = {}, headOnly = false): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...COMMON_HEADERS, 'content-type': contentType, 'content-length': bytes.byteLength, ...headers });
  res.end(headOnly ? undefined : bytes);
}
