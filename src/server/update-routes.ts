/**
 * /api/update*: installing a RAUC bundle (src/update/). Every route is for the kiosk and paired hosts
 * only: reading (`private`) shows the box's insides; acting (`change`) also follows
 * network.allowRemoteChanges and the Origin check, like every other change. The access check runs in
 * server.ts before a handler, so an unpaired upload is refused before a byte of it is written.
 *
 * The upload (PUT /api/update/bundle) is the one route whose body is not read into memory: it is
 * streamed to the state partition by the updater, and server.ts exempts it from the whole-request
 * time limit (a bundle of hundreds of MB takes longer than 15 s over Wi-Fi); the updater gives up on
 * an upload that sends nothing for a minute instead.
 */
import { z } from 'zod';
import { issuesFromZod } from '../config';
import type { ServiceControl } from '../service/control';
import { UpdateRefusal, type UpdateControl, type UpdateRefusalCode, type UpdateState } from '../update/types';
import { readJsonBody, receiveStreamedBody } from './body';
import { ApiError, sendJson } from './errors';
import type { Route } from './routes';

/** The HTTP status of each refusal. */
const REFUSAL_STATUS: Record<UpdateRefusalCode, number> = {
  'updates-unavailable': 409,
  'update-busy': 409,
  'bundle-pending': 409,
  'no-bundle': 409,
  'version-mismatch': 409,
  'length-required': 411,
  'no-room': 507,
  'upload-incomplete': 400,
  'upload-stalled': 408,
  'write-failed': 500,
  'bad-signature': 422,
  'bad-bundle': 422,
  'wrong-compatible': 422,
};

const InstallBody = z.union([
  z.strictObject({ bundle: z.literal('upload'), version: z.string().min(1).max(128).optional() }),
  z.strictObject({ bundle: z.literal('usb'), id: z.string().min(1).max(512), version: z.string().min(1).max(128).optional() }),
]);

/** What GET /api/update answers where the service has no updater (tests, benches). */
function noUpdater(version: string): UpdateState {
  return {
    available: false,
    reason: 'this service runs without the updater',
    running: { version, build: null, compatible: null, slot: null, slotName: null },
    slots: [],
    operation: { kind: 'idle' },
    pending: null,
    usb: [],
    health: { state: 'not-applicable', requiredS: 0, healthyForS: 0, markedAt: null, message: null },
    lastResult: null,
    rolledBack: [],
    lastError: null,
  };
}

async function act<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof UpdateRefusal) throw new ApiError(REFUSAL_STATUS[err.code], err.code, err.message);
    throw err;
  }
}

export function updateRoutes(control: ServiceControl, maxBodyBytes: number): [string, Partial<Record<string, Route>>][] {
  const updater = (): UpdateControl => {
    if (!control.update) throw new ApiError(409, 'updates-unavailable', 'updates are not available: this service runs without the updater');
    return control.update;
  };
  return [
    [
      '/api/update',
      {
        GET: { access: 'private', handle: async ({ res }) => sendJson(res, 200, control.update?.state() ?? noUpdater(control.status().version)) },
      },
    ],
    [
      '/api/update/bundle',
      {
        PUT: {
          access: 'change',
          streamsBody: true,
          handle: async ({ req, res, url }) => {
            const name = url.searchParams.get('name')?.slice(0, 255) || null;
            const pending = await receiveStreamedBody(req, (declared) => act(() => updater().receiveBundle(req, declared, name)));
            sendJson(res, 201, { pending });
          },
        },
        DELETE: {
          access: 'change',
          handle: async ({ res }) => {
            await act(() => updater().discardBundle());
            sendJson(res, 200, { pending: null });
          },
        },
      },
    ],
    [
      '/api/update/install',
      {
        POST: {
          access: 'change',
          handle: async ({ req, res }) => {
            const parsed = InstallBody.safeParse(await readJsonBody(req, maxBodyBytes, true));
            if (!parsed.success) {
              throw new ApiError(422, 'invalid-request', 'send {"bundle": "upload"} or {"bundle": "usb", "id": "sda1/file.raucb"}, with "version" to make sure it is the one shown', {
                issues: issuesFromZod(parsed.error),
              });
            }
            const operation = await act(() => updater().install(parsed.data));
            sendJson(res, 202, { operation });
          },
        },
      },
    ],
    [
      '/api/update/result',
      {
        DELETE: {
          access: 'change',
          handle: async ({ res }) => {
            await act(() => updater().dismissResult());
            sendJson(res, 200, { lastResult: null });
          },
        },
      },
    ],
  ];
}
