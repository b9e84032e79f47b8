/**
 * Another host's view of the API, from a real network namespace (a non-loopback peer address over
 * a veth link): reading is open, changes need pairing with the kiosk's PIN, tokens survive a
 * restart, wrong PINs are limited, and the switches in settings.network close what they say.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings, type Settings } from '../src/config';
import { PAIRING_FILE, startServer, type RunningServer } from '../src/server';
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

  it('reads are open: settings, status, schema, devices', async () => {
    for (const p of ['/api/settings', '/api/status', '/api/settings/schema', '/api/devices']) {
      expect((await remote.http(`${lan}${p}`)).status, p).toBe(200);
    }
    expect((await remote.http(`${lan}/api/settings`)).json).toEqual(defaultSettings());
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
