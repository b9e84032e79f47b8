/**
 * Typed client of the service's HTTP API (src/server). The UI talks to the service only through
 * this file and the stream client (./stream). Types come from the service's own contract
 * (src/service/control.ts, src/config) as type-only imports, so nothing of the service is bundled.
 *
 * Failure semantics: every call either resolves with the parsed answer or rejects with an
 * `ApiError` (HTTP status + one-line message). A refused settings change (422) is not an error:
 * `patchSettings` resolves with `{ ok: false, issues }`, one entry per bad field.
 */
import type { Settings } from '../../../src/config/schema';
import type { SettingsIssue } from '../../../src/config/patch';
import type { DeviceInfo, ReceiversInfo, ServiceStatus } from '../../../src/service/control';
import type { InstallRequest, PendingBundle, UpdateState } from '../../../src/update/types';
import type { PackManifest, PackSummary } from '../../../src/avatar/pack';
import type { UsbPsdOffer } from '../../../src/avatar/packs';
import type { Live2DSummary } from '../../../src/avatar/live2d';
import type { AvatarPart } from '../../../src/avatar/parts';

export type { Settings, SettingsIssue, DeviceInfo, ReceiversInfo, ServiceStatus };
export type { OutputState } from '../../../src/outputs/output';
export type { InstallRequest, PendingBundle, UpdateState };
export type { PackManifest, PackSummary, AvatarPart, UsbPsdOffer, Live2DSummary };

export interface Live2DState {
  models: Live2DSummary[];
  coreInstalled: boolean;
  /** Why Live2D cannot be shown and how to add Cubism Core, while it is missing. */
  coreMissing: string | null;
}

/** A JSON Schema node, as zod's toJSONSchema writes it (only the keys the forms read). */
export interface JsonSchemaNode {
  type?: string | string[];
  title?: string;
  description?: string;
  unit?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  minItems?: number;
  maxItems?: number;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
  $ref?: string;
  $defs?: Record<string, JsonSchemaNode>;
}

/** A settings change as a JSON merge patch: nested objects merge, null resets a field to its default. */
export type SettingsPatch = { [key: string]: SettingsPatchValue };
/** A value in a settings patch: arrays (such as an output's targets) replace the whole list. */
export type SettingsPatchValue = SettingsPatch | SettingsPatch[] | string | number | boolean | null;

export type PatchResult = { ok: true; settings: Settings } | { ok: false; issues: SettingsIssue[] };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The service's machine-readable reason, e.g. "kiosk-only", "unauthorized". */
    readonly code = '',
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The `error` object of an error answer: `{ error: { code, message, issues? } }` (src/server/errors.ts). */
function errorObject(body: unknown): Record<string, unknown> | null {
  return isRecord(body) && isRecord(body.error) ? body.error : null;
}

/** The service's one-line reason from an error answer, else the status line. */
async function errorFrom(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`.trim();
  let code = '';
  try {
    const error = errorObject(await res.json());
    if (error && typeof error.message === 'string' && error.message) message = error.message;
    if (error && typeof error.code === 'string') code = error.code;
  } catch {
    // Not JSON: keep the status line.
  }
  return new ApiError(res.status, message, code);
}

/** One entry per bad field from a refusal (path dotted; "" for the change as a whole). */
function issuesFrom(body: unknown): SettingsIssue[] {
  const error = errorObject(body);
  const raw = error && Array.isArray(error.issues) ? error.issues : [];
  const issues: SettingsIssue[] = [];
  for (const item of raw) {
    if (!isRecord(item)) continue;
    const path = Array.isArray(item.path) ? item.path.map(String).join('.') : String(item.path ?? '');
    issues.push({ path, message: String(item.message ?? 'invalid value') });
  }
  if (issues.length === 0) issues.push({ path: '', message: typeof error?.message === 'string' ? error.message : 'refused' });
  return issues;
}

export interface ApiClientOptions {
  /** Origin of the service; defaults to the page's own (the service serves the UI). */
  baseUrl?: string;
  /** Pairing token for changes from another host (sent as a bearer token). */
  token?: string | null;
}

export class ApiClient {
  readonly baseUrl: string;
  token: string | null;

  constructor(options: ApiClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? location.origin).replace(/\/$/, '');
    this.token = options.token ?? null;
  }

  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return this.token ? { ...extra, authorization: `Bearer ${this.token}` } : extra;
  }

  private async getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
    const res = await fetch(this.url(path), { headers: this.headers({ accept: 'application/json' }), cache: 'no-store', signal });
    if (!res.ok) throw await errorFrom(res);
    return (await res.json()) as T;
  }

  private async post(path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(this.url(path), {
      method: 'POST',
      headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw await errorFrom(res);
    const text = await res.text();
    return text ? (JSON.parse(text) as unknown) : null;
  }

  settings(): Promise<Settings> {
    return this.getJson<unknown>('/api/settings').then((body) => unwrapSettings(body));
  }

  settingsSchema(): Promise<JsonSchemaNode> {
    return this.getJson<JsonSchemaNode>('/api/settings/schema');
  }

  status(signal?: AbortSignal): Promise<ServiceStatus> {
    return this.getJson<ServiceStatus>('/api/status', signal);
  }

  async devices(): Promise<DeviceInfo[]> {
    const body = await this.getJson<unknown>('/api/devices');
    if (Array.isArray(body)) return body as DeviceInfo[];
    return isRecord(body) && Array.isArray(body.devices) ? (body.devices as DeviceInfo[]) : [];
  }

  /** The VTuber apps heard announcing themselves on the network (kiosk and paired hosts only: 401 otherwise). */
  receivers(signal?: AbortSignal): Promise<ReceiversInfo> {
    return this.getJson<ReceiversInfo>('/api/receivers', signal);
  }

  /** One validated change: either all of it is applied and saved, or none of it (422 + issues). */
  async patchSettings(patch: SettingsPatch): Promise<PatchResult> {
    const res = await fetch(this.url('/api/settings'), {
      method: 'PATCH',
      headers: this.headers({ 'content-type': 'application/merge-patch+json', accept: 'application/json' }),
      body: JSON.stringify(patch),
    });
    if (res.status === 422 || res.status === 400) {
      const body: unknown = await res.json().catch(() => null);
      return { ok: false, issues: issuesFrom(body) };
    }
    if (!res.ok) throw await errorFrom(res);
    const body: unknown = await res.json().catch(() => null);
    // The answer carries the new settings; if it does not, read them back.
    return { ok: true, settings: body === null ? await this.settings() : unwrapSettings(body) };
  }

  async calibrateNeutral(): Promise<void> {
    await this.post('/api/calibrate-neutral');
  }

  /** Forgets the saved neutral face and what the automatic calibration learned. */
  async resetCalibration(): Promise<void> {
    await this.post('/api/calibration/reset');
  }

  async restartTracking(): Promise<void> {
    await this.post('/api/restart-tracking');
  }

  /** The pairing PIN (answered only to the kiosk, i.e. loopback clients). */
  async pairingPin(): Promise<string> {
    const body = await this.getJson<unknown>('/api/pairing/pin');
    if (isRecord(body) && (typeof body.pin === 'string' || typeof body.pin === 'number')) return String(body.pin);
    throw new ApiError(500, 'no PIN in the answer');
  }

  /** Pairs this browser with the PIN shown on the box; keeps the token for later changes. */
  async pair(pin: string, name: string): Promise<string> {
    const body = await this.post('/api/pair', { pin, name });
    const token = isRecord(body) && typeof body.token === 'string' ? body.token : null;
    if (!token) throw new ApiError(500, 'no token in the answer');
    this.token = token;
    return token;
  }

  /** Lines of the service log, newest last (GET /api/logs, if the service offers it). */
  async logs(): Promise<string[]> {
    const body = await this.getJson<unknown>('/api/logs');
    if (Array.isArray(body)) return body.map((line) => (typeof line === 'string' ? line : JSON.stringify(line)));
    if (isRecord(body) && Array.isArray(body.lines)) return body.lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line)));
    return [];
  }

  /**
   * The kiosk page's heartbeat: its requestAnimationFrame count since it loaded (POST
   * /api/kiosk/heartbeat). Answered only to the box's own screen (loopback); others get 403 kiosk-only.
   */
  async kioskHeartbeat(frames: number, signal?: AbortSignal): Promise<void> {
    const res = await fetch(this.url('/api/kiosk/heartbeat'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ frames }),
      cache: 'no-store',
      signal,
    });
    if (!res.ok) throw await errorFrom(res);
  }

  // ── Avatar packs (/api/avatars*, src/server/avatar-routes.ts) ─────────────────────────────────

  async avatars(): Promise<PackSummary[]> {
    const body = await this.getJson<unknown>('/api/avatars');
    return isRecord(body) && Array.isArray(body.packs) ? (body.packs as PackSummary[]) : [];
  }

  avatarManifest(id: string): Promise<PackManifest> {
    return this.getJson<PackManifest>(`/api/avatars/manifest?id=${encodeURIComponent(id)}`);
  }

  /** Uploads a layered PSD; resolves with the new pack, or rejects with the service's reason. */
  uploadAvatarPsd(file: Blob, name: string, onProgress: (sentBytes: number, totalBytes: number) => void): Promise<PackSummary> {
    return this.upload(`/api/avatars/psd?name=${encodeURIComponent(name)}`, file, onProgress).then((body) => {
      if (isRecord(body) && isRecord(body.pack)) return body.pack as unknown as PackSummary;
      throw new ApiError(500, 'no pack in the answer');
    });
  }

  async setAvatarMapping(id: string, layers: Record<string, AvatarPart | null>): Promise<PackManifest> {
    return (await this.send('PUT', `/api/avatars/mapping?id=${encodeURIComponent(id)}`, { layers })) as PackManifest;
  }

  /** The PSDs on the USB sticks plugged into the box (kiosk or paired). */
  async avatarUsbOffers(): Promise<UsbPsdOffer[]> {
    const body = await this.getJson<unknown>('/api/avatars/usb');
    return isRecord(body) && Array.isArray(body.usb) ? (body.usb as UsbPsdOffer[]) : [];
  }

  async importAvatarFromUsb(id: string): Promise<PackSummary> {
    const body = await this.send('POST', '/api/avatars/usb', { id });
    if (isRecord(body) && isRecord(body.pack)) return body.pack as unknown as PackSummary;
    throw new ApiError(500, 'no pack in the answer');
  }

  // ── Live2D (/api/avatars/live2d, /api/avatars/cubism-core) ──────────────────────────────────

  live2d(): Promise<Live2DState> {
    return this.getJson<Live2DState>('/api/avatars/live2d');
  }

  /** Uploads a zip of a Live2D model folder; resolves with the model, or rejects with the reason. */
  uploadLive2DModel(file: Blob, name: string, onProgress: (sentBytes: number, totalBytes: number) => void): Promise<Live2DSummary> {
    return this.upload(`/api/avatars/live2d?name=${encodeURIComponent(name)}`, file, onProgress).then((body) => {
      if (isRecord(body) && isRecord(body.model)) return body.model as unknown as Live2DSummary;
      throw new ApiError(500, 'no model in the answer');
    });
  }

  /** Uploads the user's live2dcubismcore.min.js. */
  async uploadCubismCore(file: Blob, onProgress: (sentBytes: number, totalBytes: number) => void): Promise<void> {
    await this.upload('/api/avatars/cubism-core', file, onProgress);
  }

  async removeLive2DModel(id: string): Promise<void> {
    await this.send('DELETE', `/api/avatars/live2d?id=${encodeURIComponent(id)}`);
  }

  async removeAvatar(id: string): Promise<void> {
    await this.send('DELETE', `/api/avatars?id=${encodeURIComponent(id)}`);
  }

  // ── Updates (/api/update*, src/server/update-routes.ts) ─────────────────────────────────────

  /** Running version and slot, the waiting bundle, USB offers, the operation and its progress, the last result. */
  update(): Promise<UpdateState> {
    return this.getJson<UpdateState>('/api/update');
  }

  /**
   * Uploads a bundle file (streamed by the browser; XMLHttpRequest, because fetch reports no upload
   * progress). Resolves with what rauc info said about it; a refusal rejects with the service's reason.
   */
  uploadBundle(file: Blob, name: string, onProgress: (sentBytes: number, totalBytes: number) => void): Promise<PendingBundle> {
    return this.upload(`/api/update/bundle?name=${encodeURIComponent(name)}`, file, onProgress).then((body) => {
      if (isRecord(body) && isRecord(body.pending)) return body.pending as unknown as PendingBundle;
      throw new ApiError(500, 'no bundle in the answer');
    });
  }

  /** PUT of a file, streamed by the browser (XMLHttpRequest: fetch reports no upload progress); resolves with the JSON answer. */
  private upload(path: string, file: Blob, onProgress: (sentBytes: number, totalBytes: number) => void): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('PUT', this.url(path));
      if (this.token) xhr.setRequestHeader('authorization', `Bearer ${this.token}`);
      xhr.setRequestHeader('content-type', 'application/octet-stream');
      xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
      xhr.onload = () => {
        let body: unknown = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          // not JSON
        }
        if (xhr.status >= 200 && xhr.status < 300) {
          resolve(body);
          return;
        }
        const error = errorObject(body);
        reject(new ApiError(xhr.status, typeof error?.message === 'string' ? error.message : `${xhr.status} ${xhr.statusText}`, typeof error?.code === 'string' ? error.code : ''));
      };
      xhr.onerror = () => reject(new ApiError(0, 'the upload was cut off (the connection to the device was lost)'));
      xhr.send(file);
    });
  }

  async discardBundle(): Promise<void> {
    await this.send('DELETE', '/api/update/bundle');
  }

  /** Starts the install (the service answers at once; progress comes with update()). */
  async installUpdate(request: InstallRequest): Promise<void> {
    await this.post('/api/update/install', request);
  }

  async dismissUpdateResult(): Promise<void> {
    await this.send('DELETE', '/api/update/result');
  }

  private async send(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(this.url(path), {
      method,
      headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw await errorFrom(res);
    const text = await res.text();
    return text ? (JSON.parse(text) as unknown) : null;
  }

  /** A downscaled camera frame as a decoded bitmap, or null while the service has none yet. */
  async preview(maxWidth: number, signal?: AbortSignal): Promise<ImageBitmap | null> {
    const res = await fetch(this.url(`/api/preview.jpg?w=${Math.round(maxWidth)}`), { headers: this.headers(), cache: 'no-store', signal });
    if (res.status === 204 || res.status === 404 || res.status === 503) return null;
    if (!res.ok) throw await errorFrom(res);
    return createImageBitmap(await res.blob());
  }
}

/** The settings from a GET or PATCH answer: either the settings themselves or `{ settings }`. */
function unwrapSettings(body: unknown): Settings {
  if (isRecord(body) && isRecord(body.settings) && isRecord(body.settings.camera)) return body.settings as unknown as Settings;
  if (isRecord(body) && isRecord(body.camera)) return body as unknown as Settings;
  throw new ApiError(500, 'the service answered without settings');
}
