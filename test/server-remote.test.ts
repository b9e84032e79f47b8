/**
 * Another host's view of the API, from a real network namespace (a non-loopback peer address over
 * a veth link): every route as an unpaired host meets it (the camera picture, devices, log and the
 * face's points need pairing; the status comes without names and addresses), changes need pairing
 * with the kiosk's PIN, tokens survive a restart, wrong PINs are limited, and the switches in
 * settings.network close what they say.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings, type Settings } from '../src/config';
import { PAIRING_FILE, startServer, type RunningServer } from '../src/server';
import { apiRoutes, type ApiDeps } from '../src/server/routes';
import type { ServiceStatus } from '../src/service/control';
import { errorOf, http, jsonBody, RemoteHost, tempDir, TestControl } from './server-helpers';

describe('API from another host (network namespace)', () => {
  let remote: RemoteHost;
  let tmp: { dir: string; remove: () => Promise<void> };
  let control: TestControl;
  let server: RunningServer;
  let stateDir: string;
  /** The server as the remote host reaches it, and as the kiosk does. */
  let lan: string;
  let kiosk: string;

  async function start(): Promise<void> {
    server = await startServer(control, { port: 0, bind: '0.0.0.0', stateDir, log: () => undefined });
    lan = `http://${remote.hostAddress}:${server.port}`;
    kiosk = `http://127.0.0.1:${server.port}`;
  }

  beforeAll(async () => {
    remote = await RemoteHost.create();
    tmp = await tempDir('vtlink-remote-');
    stateDir = path.join(tmp.dir, 'state');
    control = await TestControl.open(stateDir);
    await start();
  });
  afterAll(async () => {
    await server?.close();
    await remote?.close();
    await tmp?.remove();
  });

  const patch = { camera: { fps: 25 } };

  /**
   * Every API route and method, and what an unpaired host on the network gets (src/server/README.md,
   * "Who may do what"). A route missing here fails the coverage check below: each new route needs a decision.
   */
  const UNPAIRED: Record<string, Record<string, [number, string | null]>> = {
    '/api/settings': { GET: [200, null], PATCH: [401, 'unauthorized'] },
    '/api/settings/schema': { GET: [200, null] },
    '/api/status': { GET: [200, null] },
    '/api/devices': { GET: [401, 'unauthorized'] },
    '/api/preview.jpg': { GET: [401, 'unauthorized'] },
    '/api/logs': { GET: [401, 'unauthorized'] },
    // Which hosts on the LAN run VTube Studio: the network's insides.
    '/api/receivers': { GET: [401, 'unauthorized'] },
    '/api/calibrate-neutral': { POST: [401, 'unauthorized'] },
    '/api/calibration/reset': { POST: [401, 'unauthorized'] },
    '/api/restart-tracking': { POST: [401, 'unauthorized'] },
    '/api/pair': { POST: [422, 'invalid-request'] },
    '/api/pairing/pin': { GET: [403, 'kiosk-only'] },
    '/api/pairing/clients': { GET: [403, 'kiosk-only'], DELETE: [403, 'kiosk-only'] },
    // The kiosk page's frame clock: another host must not keep a frozen screen "alive" (or say anything about it).
    '/api/kiosk/heartbeat': { POST: [403, 'kiosk-only'] },
    // Updates: the box's insides and its software (update-api.test.ts has the upload's own checks).
    '/api/update': { GET: [401, 'unauthorized'] },
    '/api/update/bundle': { PUT: [401, 'unauthorized'], DELETE: [401, 'unauthorized'] },
    '/api/update/install': { POST: [401, 'unauthorized'] },
    '/api/update/result': { DELETE: [401, 'unauthorized'] },
    // Avatar packs: reading is open (OBS on the streaming PC draws the chosen pack; no id: 400, not 401);
    // importing, mapping and removing are changes (avatar-psd.test.ts has the rest).
    '/api/avatars': { GET: [200, null], DELETE: [401, 'unauthorized'] },
    '/api/avatars/psd': { PUT: [401, 'unauthorized'] },
    '/api/avatars/manifest': { GET: [400, 'bad-id'] },
    '/api/avatars/layer': { GET: [400, 'bad-id'] },
    '/api/avatars/mapping': { PUT: [401, 'unauthorized'] },
    // What is on the USB sticks is the box's business, like the update's USB offers.
    '/api/avatars/usb': { GET: [401, 'unauthorized'], POST: [401, 'unauthorized'] },
    // Live2D: reading is open like the packs (OBS loads the model and the user's Core from the box);
    // uploading and removing are changes (avatar-live2d.test.ts has the rest).
    '/api/avatars/live2d': { GET: [200, null], PUT: [401, 'unauthorized'], DELETE: [401, 'unauthorized'] },
    '/api/avatars/live2d/files/': { GET: [404, 'live2d-file-not-found'] },
    '/api/avatars/cubism-core': { GET: [404, 'cubism-core-missing'], PUT: [401, 'unauthorized'] },
  };

  it('every route from an unpaired host: the room\'s picture, devices and log refused, changes need pairing, the status without names and addresses', async () => {
    const routes = apiRoutes({} as ApiDeps);
    expect(Object.fromEntries([...routes].map(([p, methods]) => [p, Object.keys(methods).sort()]))).toEqual(
      Object.fromEntries(Object.entries(UNPAIRED).map(([p, methods]) => [p, Object.keys(methods).sort()])),
    );
    for (const [p, methods] of Object.entries(UNPAIRED)) {
      for (const [method, [status, code]] of Object.entries(methods)) {
        const r = await remote.http(`${lan}${p}`, method === 'GET' || method === 'DELETE' ? { method } : { method, ...jsonBody({}) });
        expect({ route: `${method} ${p}`, status: r.status, code: r.status >= 400 ? errorOf(r).code : null }).toEqual({ route: `${method} ${p}`, status, code });
        if (p === '/api/preview.jpg') expect(r.headers['content-type']).not.toBe('image/jpeg');
      }
    }
    expect(control.previewCalls).toBe(0); // refused before a picture was even made
    const receivers = await remote.http(`${lan}/api/receivers`);
    for (const secret of ['192.0.2.20', 'test-instance']) expect(receivers.text).not.toContain(secret);
    // A well-formed heartbeat from another host is refused too, and never reaches the kiosk watch.
    const beat = await remote.http(`${lan}/api/kiosk/heartbeat`, { method: 'POST', ...jsonBody({ frames: 5 }) });
    expect(beat.status).toBe(403);
    expect(control.kioskFrames).toEqual([]);
    expect((await remote.http(`${lan}/api/settings`)).json).toEqual(defaultSettings());

    // The status: how the box is doing, not what it is called, where it is, what is plugged in or
    // where it sends. A status with such details in every field that may hold them:
    const plain = control.status.bind(control);
    const full: ServiceStatus = {
      ...plain(),
      camera: { ...plain().camera, source: 'v4l2:/dev/video7', state: 'retrying', detail: 'cannot open /dev/video7' },
      outputs: {
        vmc: {
          status: 'no-listener',
          detail: 'nothing at 192.0.2.99:39539',
          framesSent: 5,
          errors: 1,
          targets: [{ host: '192.0.2.99', port: 39539, status: 'no-listener', detail: 'nothing at 192.0.2.99:39539', framesSent: 5 }],
        },
      },
      settingsHealth: { status: 'recovered', detail: 'bad settings kept at /var/lib/vtlink/settings.json.bad' },
      network: { hostname: 'streamers-box', addresses: ['192.0.2.77', 'fd00::77'], server: { url: 'http://192.0.2.77:8080', port: 8080, bind: '0.0.0.0' } },
    };
    control.status = () => full;
    try {
      const open = await remote.http(`${lan}/api/status`);
      const seen = open.json as ServiceStatus & { redacted?: boolean };
      expect(seen.redacted).toBe(true);
      expect(seen).toMatchObject({ version: full.version, state: full.state, fps: full.fps, camera: { state: 'retrying' }, outputs: { vmc: { status: 'no-listener', framesSent: 5, errors: 1 } }, settingsHealth: { status: 'recovered' } });
      for (const secret of ['streamers-box', '192.0.2', 'fd00', '/dev/video7', '/var/lib']) expect(open.text).not.toContain(secret);
      // The kiosk sees it whole.
      expect((await http(`${kiosk}/api/status`)).json).toMatchObject(full);
    } finally {
      control.status = plain;
    }
  });

  it('the stream from an unpaired host carries what an overlay needs, not the face\'s points', async () => {
    const ws = (query: string, headers: Record<string, string> = {}) =>
      remote.call<{ status: number; messages: string[] }>({ op: 'ws', url: `ws://${remote.hostAddress}:${server.port}/api/stream${query}`, headers, count: 1 });
    for (const detail of ['none', 'pose']) expect((await ws(`?detail=${detail}`)).status, detail).toBe(101);
    for (const detail of ['landmarks68', 'full']) {
      const r = await ws(`?detail=${detail}`);
      expect(r.status, detail).toBe(403);
      expect(JSON.parse(r.messages[0]).error.code).toBe('stream-detail-private');
    }
    expect((await ws('?detail=bogus')).status).toBe(400);
  });

  it('the PIN and the paired-client list are for the kiosk only', async () => {
    const r = await remote.http(`${lan}/api/pairing/pin`);
    expect(r.status).toBe(403);
    expect(errorOf(r).code).toBe('kiosk-only');
    expect(r.text).not.toMatch(/[0-9]{6}/);
    expect((await remote.http(`${lan}/api/pairing/clients`)).status).toBe(403);
    expect((await remote.http(`${lan}/api/pairing/clients`, { method: 'DELETE' })).status).toBe(403);
  });

  it('changes without a token: 401 with WWW-Authenticate, nothing applied', async () => {
    const r = await remote.http(`${lan}/api/settings`, { method: 'PATCH', ...jsonBody(patch) });
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toContain('Bearer');
    expect(errorOf(r).code).toBe('unauthorized');
    for (const p of ['/api/calibrate-neutral', '/api/restart-tracking']) {
      expect((await remote.http(`${lan}${p}`, { method: 'POST' })).status).toBe(401);
    }
    const forged = await remote.http(`${lan}/api/settings`, { method: 'PATCH', headers: { ...jsonBody(patch).headers, authorization: 'Bearer not-a-real-token' }, body: jsonBody(patch).body });
    expect(forged.status).toBe(401);
    expect(control.settings().camera.fps).toBe(30);
    expect(control.restarts).toBe(0);
    expect(control.calibrations).toBe(0);
  });

  let token = '';

  it('pairing: a wrong PIN is refused; the PIN shown on the kiosk gives a token that works', async () => {
    const pin = ((await http(`${kiosk}/api/pairing/pin`)).json as { pin: string }).pin;
    const wrongPin = String((Number(pin) + 1) % 1_000_000).padStart(6, '0');
    const wrong = await remote.http(`${lan}/api/pair`, { method: 'POST', ...jsonBody({ pin: wrongPin }) });
    expect(wrong.status).toBe(403);
    expect(errorOf(wrong).code).toBe('wrong-pin');
    const malformed = await remote.http(`${lan}/api/pair`, { method: 'POST', ...jsonBody({ pin: 123456, extra: 1 }) });
    expect(malformed.status).toBe(422);
    expect(errorOf(malformed).issues!.map((i) => i.path).sort()).toEqual(['extra', 'pin']);

    const ok = await remote.http(`${lan}/api/pair`, { method: 'POST', ...jsonBody({ pin, name: 'streaming PC' }) });
    expect(ok.status).toBe(200);
    const paired = ok.json as { token: string; client: { id: string; name: string } };
    expect(paired.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(paired.client.name).toBe('streaming PC');
    token = paired.token;

    // The PIN is single-use: a new one is shown after a pairing.
    const next = ((await http(`${kiosk}/api/pairing/pin`)).json as { pin: string }).pin;
    expect(next).not.toBe(pin);
    const reuse = await remote.http(`${lan}/api/pair`, { method: 'POST', ...jsonBody({ pin }) });
    expect(reuse.status === 403 || (reuse.status === 200 && next === pin)).toBe(true);

    // Only the token's hash is stored.
    const file = await readFile(path.join(stateDir, PAIRING_FILE), 'utf8');
    expect(file).not.toContain(token);
    expect(file).toContain('streaming PC');

    const r = await remote.http(`${lan}/api/settings`, { method: 'PATCH', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(patch) });
    expect(r.status).toBe(200);
    expect((r.json as { changed: string[] }).changed).toEqual(['camera.fps']);
    expect(control.settings().camera.fps).toBe(25);
    const restart = await remote.http(`${lan}/api/restart-tracking`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(restart.status).toBe(200);
    expect(control.restarts).toBe(1);
    // A bad patch from a paired host is still a 422 with nothing changed.
    const bad = await remote.http(`${lan}/api/settings`, { method: 'PATCH', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{"camera":{"fps":-1}}' });
    expect(bad.status).toBe(422);
    expect(control.settings().camera.fps).toBe(25);
  });

  it('the log (GET /api/logs) needs the kiosk or a paired host’s token', async () => {
    control.logLines = ['vtlink: settings: /var/lib/vtlink (ok)'];
    const anonymous = await remote.http(`${lan}/api/logs`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.text).not.toContain('/var/lib/vtlink');
    expect((await remote.http(`${lan}/api/logs`, { headers: { authorization: 'Bearer not-a-real-token' } })).status).toBe(401);
    const paired = await remote.http(`${lan}/api/logs`, { headers: { authorization: `Bearer ${token}` } });
    expect(paired.status).toBe(200);
    expect(paired.json).toEqual({ lines: control.logLines });
    expect((await http(`${kiosk}/api/logs`)).status).toBe(200);
  });

  it('a paired host sees the camera picture, the devices, the VTube Studios heard, the whole status and the face\'s points', async () => {
    const auth = { authorization: `Bearer ${token}` };
    const picture = await remote.http(`${lan}/api/preview.jpg`, { headers: auth });
    expect(picture.status).toBe(200);
    expect(picture.headers['content-type']).toBe('image/jpeg');
    expect((await remote.http(`${lan}/api/devices`, { headers: auth })).status).toBe(200);
    const receivers = await remote.http(`${lan}/api/receivers`, { headers: auth });
    expect(receivers.status).toBe(200);
    expect(receivers.json).toEqual(control.receivers());
    const status = (await remote.http(`${lan}/api/status`, { headers: auth })).json as ServiceStatus & { redacted?: boolean };
    expect(status.redacted).toBeUndefined();
    expect(status.network).toEqual(control.status().network);
    const full = await remote.call<{ status: number }>({ op: 'ws', url: `ws://${remote.hostAddress}:${server.port}/api/stream?detail=full&token=${token}`, count: 1 });
    expect(full.status).toBe(101);
  });

  it('the token survives a restart of the server', async () => {
    await server.close();
    await start();
    const r = await remote.http(`${lan}/api/settings`, { method: 'PATCH', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{"camera":{"fps":24}}' });
    expect(r.status).toBe(200);
    expect(control.settings().camera.fps).toBe(24);
    const clients = (await http(`${kiosk}/api/pairing/clients`)).json as { clients: { name: string }[] };
    expect(clients.clients.map((c) => c.name)).toEqual(['streaming PC']);
  });

  it('allowRemoteChanges=false refuses remote changes (403) even with a token; the kiosk still may', async () => {
    const off = await http(`${kiosk}/api/settings`, { method: 'PATCH', ...jsonBody({ network: { allowRemoteChanges: false } }) });
    expect(off.status).toBe(200);
    const r = await remote.http(`${lan}/api/settings`, { method: 'PATCH', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{"camera":{"fps":20}}' });
    expect(r.status).toBe(403);
    expect(errorOf(r).code).toBe('remote-changes-disabled');
    expect(control.settings().camera.fps).toBe(24);
    const on = await http(`${kiosk}/api/settings`, { method: 'PATCH', ...jsonBody({ network: { allowRemoteChanges: null } }) });
    expect((on.json as { settings: Settings }).settings.network.allowRemoteChanges).toBe(true);
  });

  it('the stream: open to other hosts by default; readOnlyStream=false refuses them unless paired; the kiosk always may', async () => {
    const open = await remote.call<{ ok: boolean; status: number; messages: string[] }>({ op: 'ws', url: `ws://${remote.hostAddress}:${server.port}/api/stream`, count: 1 });
    expect(open.status).toBe(101);
    expect(JSON.parse(open.messages[0])).toMatchObject({ type: 'hello', detail: 'none' });

    await http(`${kiosk}/api/settings`, { method: 'PATCH', ...jsonBody({ network: { readOnlyStream: false } }) });
    const refused = await remote.call<{ status: number; messages: string[] }>({ op: 'ws', url: `ws://${remote.hostAddress}:${server.port}/api/stream`, count: 1 });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.messages[0]).error.code).toBe('stream-private');
    const paired = await remote.call<{ status: number }>({ op: 'ws', url: `ws://${remote.hostAddress}:${server.port}/api/stream?token=${token}`, count: 1 });
    expect(paired.status).toBe(101);
    const pairedHeader = await remote.call<{ status: number }>({ op: 'ws', url: `ws://${remote.hostAddress}:${server.port}/api/stream`, headers: { authorization: `Bearer ${token}` }, count: 1 });
    expect(pairedHeader.status).toBe(101);
    const { WebSocket } = await import('ws');
    const local = new WebSocket(`ws://127.0.0.1:${server.port}/api/stream`);
    const hello = await new Promise<string>((resolve, reject) => {
      local.once('message', (d) => resolve(String(d)));
      local.once('error', reject);
    });
    expect(JSON.parse(hello).type).toBe('hello');
    local.close();
    await http(`${kiosk}/api/settings`, { method: 'PATCH', ...jsonBody({ network: { readOnlyStream: null } }) });
  });

  it('revoking the paired clients (kiosk) stops the token at once', async () => {
    expect((await http(`${kiosk}/api/pairing/clients`, { method: 'DELETE' })).status).toBe(200);
    const r = await remote.http(`${lan}/api/restart-tracking`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(401);
  });

  it('pairing attempts are limited to 5 a minute per address (429 + Retry-After), even with the right PIN', async () => {
    // Earlier tests spent 3 attempts from this address within the minute; use a fresh server and store.
    await server.close();
    const other = await tempDir('vtlink-remote-pair-');
    server = await startServer(control, { port: 0, bind: '0.0.0.0', stateDir: other.dir, log: () => undefined });
    lan = `http://${remote.hostAddress}:${server.port}`;
    kiosk = `http://127.0.0.1:${server.port}`;
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await remote.http(`${lan}/api/pair`, { method: 'POST', ...jsonBody({ pin: 'abcdef' }) })).status);
      expect(statuses).toEqual([403, 403, 403, 403, 403]);
      const pin = ((await http(`${kiosk}/api/pairing/pin`)).json as { pin: string }).pin;
      const limited = await remote.http(`${lan}/api/pair`, { method: 'POST', ...jsonBody({ pin }) });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(errorOf(limited).code).toBe('too-many-attempts');
      // The kiosk's own address has its own budget.
      expect((await http(`${kiosk}/api/pair`, { method: 'POST', ...jsonBody({ pin }) })).status).toBe(200);
    } finally {
      await server.close();
      await other.remove();
      await start();
    }
  });
});
