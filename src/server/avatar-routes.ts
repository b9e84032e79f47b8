/**
 * /api/avatars*: avatar packs made from layered PSDs (src/avatar/). Reading a pack (the list, a
 * manifest, a layer's picture) is open like the settings: the avatar page in OBS on the streaming PC
 * draws the chosen pack without pairing, and a pack shows the user's own drawing, not the room.
 * Importing, mapping and removing are changes (kiosk, or a paired host while remote changes are on).
 *
 * The import (PUT /api/avatars/psd) streams its body to the state partition like the update upload
 * (receiveStreamedBody; server.ts exempts it from the whole-request time limit).
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { issuesFromZod } from '../config';
import { AvatarRefusal, type AvatarControl, type AvatarRefusalCode } from '../avatar/packs';
import { AVATAR_PARTS } from '../avatar/parts';
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
  'no-room': 507,
  'upload-incomplete': 400,
  'upload-stalled': 408,
  'write-failed': 500,
};

const MappingBody = z.strictObject({ layers: z.record(z.string().regex(/^\d{1,4}$/), z.enum(AVATAR_PARTS).nullable()) });

async function act<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AvatarRefusal) throw new ApiError(REFUSAL_STATUS[err.code], err.code, err.message);
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
  return [
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
