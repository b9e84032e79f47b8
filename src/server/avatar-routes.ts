/**
 * /api/avatars*: avatar packs made from layered PSDs (src/avatar/). Reading a pack (the list, a
 * manifest, a layer's picture) is open like the settings: the avatar page in OBS on the streaming PC
 * draws the chosen pack without pairing, and a pack shows the user's own drawing, not the room.
 * Importing, mapping and removing are changes (kiosk, or a paired host while remote changes are on).
 *
 * What is on USB sticks (/api/avatars/usb) is private, and importing one of them a change.
 *
 * The import (PUT /api/avatars/psd) streams its body to the state partition like the update upload
 * (receiveStreamedBody; server.ts exempts it from the whole-request time limit).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { issuesFromZod } from '../config';
import { AvatarRefusal, type AvatarControl, type AvatarRefusalCode } from '../avatar/packs';
import { AVATAR_PARTS } from '../avatar/parts';
import { CUBISM_CORE_MISSING, Live2DRefusal, LIVE2D_ID_PATTERN, type Live2DModels, type Live2DRefusalCode } from '../avatar/live2d';
import type { ServiceControl } from '../service/control';
import { readJsonBody, receiveStreamedBody } from './body';
import { ApiError, sendBytes, sendJson } from './errors';
import type { Route } from './routes';

const REFUSAL_STATUS: Record<AvatarRefusalCode, number> = {
  'not-a-psd': 422,
  'unsupported-psd': 422,
  'corrupt-psd': 422,
  'canvas-too-large': 422,
  'too-many-layers': 422,
  'too-many-pixels': 422,
  'no-layers': 422,
  'bad-mapping': 422,
  'file-too-large': 413,
  'length-required': 411,
  'avatar-busy': 409,
  'avatar-in-use': 409,
  'pack-not-found': 404,
  'usb-file-not-found': 404,
  'no-room': 507,
  'upload-incomplete': 400,
  'upload-stalled': 408,
  'write-failed': 500,
};

const LIVE2D_REFUSAL_STATUS: Record<Live2DRefusalCode, number> = {
  'not-a-zip': 422,
  'unsafe-path': 422,
  'too-many-files': 422,
  'too-large-unzipped': 422,
  'no-model3-json': 422,
  'several-model3-json': 422,
  'bad-model3-json': 422,
  'model-file-missing': 422,
  'not-a-moc3': 422,
  'not-cubism-core': 422,
  'file-too-large': 413,
  'length-required': 411,
  'avatar-busy': 409,
  'avatar-in-use': 409,
  'model-not-found': 404,
  'no-room': 507,
  'upload-incomplete': 400,
  'upload-stalled': 408,
  'write-failed': 500,
};

/** A route key ending in "/" serves every path under it (server.ts): a model's files, by their relative paths. */
export const LIVE2D_FILES_PREFIX = '/api/avatars/live2d/files/';

const CONTENT_TYPES: Record<string, string> = { '.json': 'application/json', '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.webp': 'image/webp' };

const UsbImportBody = z.strictObject({ id: z.string().min(1).max(512) });
const MappingBody = z.strictObject({ layers: z.record(z.string().regex(/^\d{1,4}$/), z.enum(AVATAR_PARTS).nullable()) });

async function act<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AvatarRefusal) throw new ApiError(REFUSAL_STATUS[err.code], err.code, err.message);
    if (err instanceof Live2DRefusal) throw new ApiError(LIVE2D_REFUSAL_STATUS[err.code], err.code, err.message);
    throw err;
  }
}

function packId(url: URL): string {
  const id = url.searchParams.get('id');
  if (!id) throw new ApiError(400, 'bad-id', 'name the pack: ?id=<pack id> (GET /api/avatars lists them)');
  return id;
}

export function avatarRoutes(control: ServiceControl, maxBodyBytes: number): [string, Partial<Record<string, Route>>][] {
  const packs = (): AvatarControl => {
    if (!control.avatars) throw new ApiError(409, 'avatars-unavailable', 'this service runs without avatar packs');
    return control.avatars;
  };
  const live2d = (): Live2DModels => {
    if (!control.live2d) throw new ApiError(409, 'avatars-unavailable', 'this service runs without Live2D models');
    return control.live2d;
  };
  return [
    [
      // Live2D (src/avatar/live2d.ts): the models and whether the user's Cubism Core is there.
      '/api/avatars/live2d',
      {
        GET: {
          access: 'read',
          handle: async ({ res }) => {
            const core = (await control.live2d?.coreInstalled()) ?? false;
            sendJson(res, 200, { models: control.live2d?.list() ?? [], coreInstalled: core, coreMissing: core ? null : CUBISM_CORE_MISSING, limits: control.live2d?.limits ?? null });
          },
        },
        PUT: {
          access: 'change',
          streamsBody: true,
          handle: async ({ req, res, url }) => {
            const name = url.searchParams.get('name')?.slice(0, 255) || null;
            const model = await receiveStreamedBody(req, (declared) => act(() => live2d().importZip(req, declared, name)));
            sendJson(res, 201, { model });
          },
        },
        DELETE: {
          access: 'change',
          handle: async ({ res, url }) => {
            await act(() => live2d().remove(packId(url)));
            sendJson(res, 200, { models: live2d().list() });
          },
        },
      },
    ],
    [
      LIVE2D_FILES_PREFIX,
      {
        // Open like a pack's layers: the avatar page in OBS loads the chosen model. Only the files the
        // model was imported with are served (no path is ever joined from the URL).
        GET: {
          access: 'read',
          handle: async ({ res, url }) => {
            const [id, ...rest] = url.pathname.slice(LIVE2D_FILES_PREFIX.length).split('/');
            let relative = '';
            try {
              relative = rest.map(decodeURIComponent).join('/');
            } catch {
              // a malformed escape: no such file
            }
            const file = LIVE2D_ID_PATTERN.test(id ?? '') && relative ? control.live2d?.file(id, relative) : null;
            const bytes = file ? await readFile(file).catch(() => null) : null;
            if (!bytes) throw new ApiError(404, 'live2d-file-not-found', `no file ${relative || '(none)'} in Live2D model "${id ?? ''}"`);
            const type = CONTENT_TYPES[path.extname(relative).toLowerCase()] ?? 'application/octet-stream';
            // A model's files never change under its id (a new import gets a new id).
            sendBytes(res, 200, type, bytes, { 'cache-control': 'public, max-age=31536000, immutable' });
          },
        },
      },
    ],
    [
      // The user's own Cubism Core, loaded by the avatar page before the Live2D plugin.
      '/api/avatars/cubism-core',
      {
        GET: {
          access: 'read',
          handle: async ({ res }) => {
            const bytes = control.live2d && (await control.live2d.coreInstalled()) ? await readFile(control.live2d.coreFilePath()).catch(() => null) : null;
            if (!bytes) throw new ApiError(404, 'cubism-core-missing', CUBISM_CORE_MISSING);
            sendBytes(res, 200, 'text/javascript; charset=utf-8', bytes, { 'cache-control': 'no-cache' });
          },
        },
        PUT: {
          access: 'change',
          streamsBody: true,
          handle: async ({ req, res }) => {
            await receiveStreamedBody(req, (declared) => act(() => live2d().importCore(req, declared)));
            sendJson(res, 201, { coreInstalled: true });
          },
        },
      },
    ],
    [
      '/api/avatars',
      {
        GET: { access: 'read', handle: async ({ res }) => sendJson(res, 200, { packs: control.avatars?.list() ?? [], limits: control.avatars?.limits ?? null }) },
        DELETE: {
          access: 'change',
          handle: async ({ res, url }) => {
            await act(() => packs().remove(packId(url)));
            sendJson(res, 200, { packs: packs().list() });
          },
        },
      },
    ],
    [
      '/api/avatars/psd',
      {
        PUT: {
          access: 'change',
          streamsBody: true,
          handle: async ({ req, res, url }) => {
            const name = url.searchParams.get('name')?.slice(0, 255) || null;
            const pack = await receiveStreamedBody(req, (declared) => act(() => packs().importPsd(req, declared, name)));
            sendJson(res, 201, { pack });
          },
        },
      },
    ],
    [
      // PSDs on USB sticks: private like the update's USB offers (what is plugged in is the box's business).
      '/api/avatars/usb',
      {
        GET: { access: 'private', handle: async ({ res }) => sendJson(res, 200, { usb: control.avatars?.usbOffers() ?? [] }) },
        POST: {
          access: 'change',
          handle: async ({ req, res }) => {
            const parsed = UsbImportBody.safeParse(await readJsonBody(req, maxBodyBytes, true));
            if (!parsed.success) throw new ApiError(422, 'invalid-request', 'send {"id": "<device>/<file>.psd"} (GET /api/avatars/usb lists them)', { issues: issuesFromZod(parsed.error) });
            const pack = await act(() => packs().importUsb(parsed.data.id));
            sendJson(res, 201, { pack });
          },
        },
      },
    ],
    [
      '/api/avatars/manifest',
      {
        GET: {
          access: 'read',
          handle: async ({ res, url }) => {
            const id = packId(url);
            const manifest = packs().manifest(id);
            if (!manifest) throw new ApiError(404, 'pack-not-found', `no avatar pack "${id}"`);
            sendJson(res, 200, manifest);
          },
        },
      },
    ],
    [
      '/api/avatars/layer',
      {
        GET: {
          access: 'read',
          handle: async ({ res, url }) => {
            const id = packId(url);
            const index = Number(url.searchParams.get('n'));
            const file = Number.isInteger(index) ? packs().layerFile(id, index) : null;
            if (!file) throw new ApiError(404, 'layer-not-found', `no layer ${url.searchParams.get('n')} in avatar pack "${id}"`);
            const bytes = await readFile(file).catch(() => null);
            if (!bytes) throw new ApiError(404, 'layer-not-found', `layer ${index} of "${id}" is gone (removed meanwhile?)`);
            // A pack's pictures never change under its id (a new import gets a new id).
            sendBytes(res, 200, 'image/png', bytes, { 'cache-control': 'public, max-age=31536000, immutable' });
          },
        },
      },
    ],
    [
      '/api/avatars/mapping',
      {
        PUT: {
          access: 'change',
          handle: async ({ req, res, url }) => {
            const id = packId(url);
            const parsed = MappingBody.safeParse(await readJsonBody(req, maxBodyBytes, true));
            if (!parsed.success) {
              throw new ApiError(422, 'invalid-request', 'send {"layers": {"<layer index>": "<part>" | null}}', { issues: issuesFromZod(parsed.error) });
            }
            const manifest = await act(() => packs().setMapping(id, parsed.data.layers));
            sendJson(res, 200, manifest);
          },
        },
      },
    ],
  ];
}
