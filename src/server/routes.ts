/**
 * The JSON API: one entry per path and method, each with the access it needs (see access.ts). The
 * server does the common parts (rate limits, 404/405, access, errors); handlers only do their job.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { issuesFromZod, settingsJsonSchema } from '../config';
import type { ServiceControl } from '../service/control';
import type { AccessLevel, Caller } from './access';
import { readJsonBody } from './body';
import { ApiError, sendBytes, sendJson } from './errors';
import type { KeyedTokenBuckets } from './token-bucket';
import type { PairingStore } from './pairing';
import { PREVIEW_DEFAULT_WIDTH, type PreviewCache } from './preview';
import { publicStatus } from './public-status';
import type { TrackingStream } from './stream';
import { updateRoutes } from './update-routes';
import { avatarRoutes } from './avatar-routes';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  caller: Caller;
  /** The kiosk or a paired host (access.ts isTrusted): sees the status unredacted. */
  trusted: boolean;
}

export interface Route {
  access: AccessLevel;
  /** The handler streams the body itself, for longer than the whole-request time limit (server.ts). */
  streamsBody?: boolean;
  handle(ctx: RouteContext): Promise<void>;
}

export interface ApiDeps {
  control: ServiceControl;
  pairing: PairingStore;
  stream: TrackingStream;
  preview: PreviewCache;
  previewBuckets: KeyedTokenBuckets;
  pairBuckets: KeyedTokenBuckets;
  maxBodyBytes: number;
}

const PairRequest = z.strictObject({
  pin: z.string().max(16),
  name: z.string().min(1).max(64).optional(),
});

/** POST /api/kiosk/heartbeat: the kiosk page's requestAnimationFrame count (src/service/kiosk-watch.ts). */
const KioskHeartbeat = z.strictObject({ frames: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) });

const LOG_LINES_DEFAULT = 200;
const LOG_LINES_MAX = 1000;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function retryAfter(seconds: number): Record<string, string> {
  return { 'retry-after': String(Math.max(1, Math.ceil(seconds))) };
}

export function apiRoutes(deps: ApiDeps): Map<string, Partial<Record<string, Route>>> {
  const { control, pairing, stream, preview } = deps;
  let schema: unknown = null;

  const routes = new Map<string, Partial<Record<string, Route>>>();

  routes.set('/api/settings', {
    GET: { access: 'read', handle: async ({ res }) => sendJson(res, 200, control.settings()) },
    PATCH: {
      access: 'change',
      handle: async ({ req, res }) => {
        const patch = await readJsonBody(req, deps.maxBodyBytes, true);
        const result = await control.applySettings(patch);
        if (!result.ok) {
          const n = result.issues.length;
          throw new ApiError(422, 'invalid-settings', `${n} field${n === 1 ? ' is' : 's are'} invalid; nothing was changed`, { issues: result.issues });
        }
        sendJson(res, 200, { settings: result.settings, changed: result.changed });
      },
    },
  });

  routes.set('/api/settings/schema', {
    GET: { access: 'read', handle: async ({ res }) => sendJson(res, 200, (schema ??= settingsJsonSchema())) },
  });

  routes.set('/api/status', {
    GET: {
      access: 'read',
      handle: async ({ res, trusted }) => {
        const status = trusted ? control.status() : publicStatus(control.status());
        sendJson(res, 200, { ...status, api: { stream: stream.stats(), pairedClients: pairing.list().length } });
      },
    },
  });

  routes.set('/api/devices', {
    // Device names and paths: the box's insides.
    GET: { access: 'private', handle: async ({ res }) => sendJson(res, 200, { devices: await control.devices() }) },
  });

  routes.set('/api/receivers', {
    // Which hosts on the LAN run which VTuber app: the network's insides.
    GET: { access: 'private', handle: async ({ res }) => sendJson(res, 200, control.receivers()) },
  });

  routes.set('/api/calibrate-neutral', {
    POST: {
      access: 'change',
      handle: async ({ req, res }) => {
        await readJsonBody(req, deps.maxBodyBytes, false);
        try {
          await control.calibrateNeutral();
        } catch (err) {
          throw new ApiError(409, 'calibration-failed', (err as Error).message || 'calibration failed');
        }
        sendJson(res, 200, { calibration: control.settings().calibration });
      },
    },
  });

  routes.set('/api/calibration/reset', {
    POST: {
      // As calibrate-neutral: whoever may calibrate may also undo it.
      access: 'change',
      handle: async ({ req, res }) => {
        const body = await readJsonBody(req, deps.maxBodyBytes, false);
        // No options: a body that asks for something (a typo'd field) is refused rather than ignored.
        if (body !== undefined && !(isPlainObject(body) && Object.keys(body).length === 0)) {
          throw new ApiError(422, 'invalid-request', 'this request takes no fields: send no body or {}');
        }
        try {
          await control.resetCalibration();
        } catch (err) {
          throw new ApiError(409, 'reset-failed', (err as Error).message || 'the calibration could not be reset');
        }
        sendJson(res, 200, { calibration: control.settings().calibration });
      },
    },
  });

  routes.set('/api/restart-tracking', {
    POST: {
      access: 'change',
      handle: async ({ req, res }) => {
        await readJsonBody(req, deps.maxBodyBytes, false);
        control.restartTracking();
        sendJson(res, 200, { ok: true });
      },
    },
  });

  routes.set('/api/preview.jpg', {
    GET: {
      // The picture of the room: never for an unpaired host, whatever else is open.
      access: 'private',
      handle: async ({ res, url, caller }) => {
        const display = control.settings().display;
        if (!display.previewEnabled) throw new ApiError(403, 'preview-disabled', 'the camera preview is switched off (settings.display.previewEnabled)');
        const wait = deps.previewBuckets.take(caller.peer);
        if (wait > 0) throw new ApiError(429, 'too-many-requests', 'preview requested too often', { headers: retryAfter(wait) });
        const w = url.searchParams.has('w') ? Number(url.searchParams.get('w')) : PREVIEW_DEFAULT_WIDTH;
        const jpeg = await preview.get(w, 1000 / display.previewFps);
        if (jpeg === null) throw new ApiError(503, 'no-frame-yet', 'no camera frame yet', { headers: retryAfter(1) });
        sendBytes(res, 200, 'image/jpeg', jpeg);
      },
    },
  });

  routes.set('/api/pair', {
    POST: {
      access: 'pair',
      handle: async ({ req, res, caller }) => {
        const wait = deps.pairBuckets.take(caller.peer);
        if (wait > 0) throw new ApiError(429, 'too-many-attempts', 'too many pairing attempts; wait and try again', { headers: retryAfter(wait) });
        const parsed = PairRequest.safeParse(await readJsonBody(req, deps.maxBodyBytes, true));
        if (!parsed.success) throw new ApiError(422, 'invalid-request', 'send {"pin": "123456", "name"?: "my PC"}', { issues: issuesFromZod(parsed.error) });
        const paired = await pairing.pair(parsed.data.pin, parsed.data.name ?? caller.peer);
        if (!paired) throw new ApiError(403, 'wrong-pin', 'wrong PIN: use the one shown on the device’s screen');
        sendJson(res, 200, { token: paired.token, client: paired.client });
      },
    },
  });

  routes.set('/api/logs', {
    GET: {
      access: 'private',
      handle: async ({ res, url }) => {
        const raw = url.searchParams.get('lines');
        const n = raw === null ? LOG_LINES_DEFAULT : Number(raw);
        if (!Number.isInteger(n) || n < 1 || n > LOG_LINES_MAX) throw new ApiError(400, 'bad-lines', `lines must be a whole number, 1 to ${LOG_LINES_MAX}`);
        sendJson(res, 200, { lines: control.recentLogs(n) });
      },
    },
  });

  routes.set('/api/pairing/pin', {
    GET: { access: 'local', handle: async ({ res }) => sendJson(res, 200, { pin: pairing.pin }) },
  });

  routes.set('/api/pairing/clients', {
    GET: { access: 'local', handle: async ({ res }) => sendJson(res, 200, { clients: pairing.list() }) },
    DELETE: {
      access: 'local',
      handle: async ({ res }) => {
        await pairing.revokeAll();
        sendJson(res, 200, { clients: [] });
      },
    },
  });

  // ── kiosk health (kiosk-health branch): the kiosk page's frame clock ──
  routes.set('/api/kiosk/heartbeat', {
    POST: {
      // Only the box's own screen may say how the box's screen is doing.
      access: 'local',
      handle: async ({ req, res }) => {
        const parsed = KioskHeartbeat.safeParse(await readJsonBody(req, deps.maxBodyBytes, true));
        if (!parsed.success) throw new ApiError(422, 'invalid-request', 'send {"frames": <requestAnimationFrame count, a whole number >= 0>}', { issues: issuesFromZod(parsed.error) });
        control.kioskHeartbeat(parsed.data.frames);
        sendJson(res, 200, { ok: true });
      },
    },
  });
  // Updates (src/update/): /api/update, /api/update/bundle, /api/update/install, /api/update/result.
  for (const [p, methods] of updateRoutes(control, deps.maxBodyBytes)) routes.set(p, methods);
  // Avatar packs (src/avatar/): /api/avatars, /api/avatars/psd, /manifest, /layer, /mapping.
  for (const [p, methods] of avatarRoutes(control, deps.maxBodyBytes)) routes.set(p, methods);

  return routes;
}
