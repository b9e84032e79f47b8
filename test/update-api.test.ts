/**
 * /api/update* over real HTTP, with the real server, the real updater and real RAUC 1.8
 * (test/helpers/rauc-lab.ts): the streamed upload (past the server's whole-request limit, checked by
 * rauc info, refused with a reason and nothing kept), no room (declared size over the free space: an
 * injected free-space figure; the disk filling during the upload: a real 24 MiB tmpfs, as root), a
 * cut-off upload, one upload at a time, an unpaired host refused before a byte is written (a network
 * namespace, as in server-remote.test.ts), a paired host allowed, and a box without RAUC.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SettingsStore } from '../src/config';
import { startServer, type RunningServer } from '../src/server';
import { silentLogger } from '../src/system/log';
import type { UpdateControl, UpdateState } from '../src/update/types';
import { Updater, type UpdaterOptions } from '../src/update/updater';
import { COMPATIBLE, RaucLab } from './helpers/rauc-lab';
import { waitUntil } from './helpers/wait';
import { errorOf, http, jsonBody, RemoteHost, tempDir, TestControl, type HttpAnswer } from './server-helpers';

class UpdateTestControl extends TestControl {
  update?: UpdateControl;
}

interface UploadOptions {
  headers?: Record<string, string>;
  /** Bytes per write, and the pause after each. */
  chunk?: number;
  pauseMs?: number;
  /** Destroy the connection after this many bytes (a client that goes away). */
  abortAfter?: number;
  /** Called after each chunk with the bytes sent so far. */
  onChunk?: (sent: number) => Promise<void> | void;
  /** Send without Content-Length (chunked). */
  chunked?: boolean;
  /** Default PUT. */
  method?: string;
}

/** PUT `body` to `url`, paced; resolves with the answer (status 0: none, the client hung up). */
function upload(url: string, body: Buffer, options: UploadOptions = {}): Promise<HttpAnswer> {
  const chunk = options.chunk ?? 64 * 1024;
  return new Promise((resolve) => {
    let answered = false;
    const headers: Record<string, string> = { connection: 'close', 'content-type': 'application/octet-stream', ...options.headers };
    if (!options.chunked) headers['content-length'] = String(body.length);
    const req = httpRequest(url, { method: options.method ?? 'PUT', headers, agent: false }, (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', () => {
      if (!answered) resolve({ status: 0, headers: {}, text: '', json: undefined });
    });
    void (async () => {
      for (let sent = 0; sent < body.length && !req.destroyed; ) {
        const end = Math.min(body.length, sent + chunk);
        if (options.abortAfter !== undefined && end > options.abortAfter) {
          req.destroy();
          return;
        }
        const ok = req.write(body.subarray(sent, end));
        sent = end;
        if (!ok) await new Promise((r) => req.once('drain', r));
        await options.onChunk?.(sent);
        if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
      }
      if (!req.destroyed) req.end();
    })().catch(() => undefined);
  });
}

let lab: RaucLab;
let tmp: { dir: string; remove: () => Promise<void> };
let control: UpdateTestControl;
let server: RunningServer;
let kiosk: string;
let stateDir: string;
let updater: Updater;
let fakeFree: number | null = null;
const bundles: Record<string, Buffer> = {};

const updateDir = (dir = stateDir) => path.join(dir, 'update');
const files = async (dir = stateDir) => (await readdir(updateDir(dir))).sort();
const state = async (): Promise<UpdateState> => (await http(`${kiosk}/api/update`)).json as UpdateState;

function updaterOptions(dir: string, extra: Partial<UpdaterOptions> = {}): UpdaterOptions {
  return {
    stateDir: dir,
    log: silentLogger,
    fallbackVersion: '0.1.0',
    raucConf: lab.conf,
    raucEnv: lab.env,
    releaseFile: path.join(tmp.dir, 'no-release'),
    usbDir: path.join(tmp.dir, 'usb'),
    runtimeDir: null,
    freeBytes: async (d) => fakeFree ?? (await import('../src/system/upload')).freeBytes(d),
    uploadIdleMs: 3000,
    ...extra,
  };
}

beforeAll(async () => {
  lab = await RaucLab.create();
  await lab.startService('A');
  tmp = await tempDir('vtlink-update-api-');
  stateDir = path.join(tmp.dir, 'state');
  control = new UpdateTestControl(await SettingsStore.open({ stateDir }));
  updater = new Updater(updaterOptions(stateDir));
  await updater.started;
  control.update = updater;
  // A short whole-request limit, so the test can show an upload outliving it.
  server = await startServer(control, { port: 0, bind: '0.0.0.0', stateDir, log: () => undefined, limits: { requestTimeoutMs: 2000, headersTimeoutMs: 2000 } });
  kiosk = `http://127.0.0.1:${server.port}`;
  bundles.good = await readFile(await lab.makeBundle({ version: '0.2.0', format: 'plain' }));
  bundles.foreign = await readFile(await lab.makeBundle({ version: '0.2.0', format: 'plain', signer: 'foreign', name: 'foreign.raucb' }));
  bundles.arm64 = await readFile(await lab.makeBundle({ version: '0.2.0', format: 'plain', compatible: 'vtlink-arm64', name: 'arm.raucb' }));
  bundles.truncated = bundles.good.subarray(0, Math.floor(bundles.good.length * 0.7));
});

afterAll(async () => {
  await server?.close();
  await updater?.close();
  await lab?.close();
  await tmp?.remove();
});

describe('the upload (PUT /api/update/bundle)', () => {
  it('streams a bundle to the state partition, past the 2-s whole-request limit; rauc info’s verdict comes back; DELETE discards it', async () => {
    // The limit is live for other requests: a JSON body sent as slowly is cut off with 408.
    const slowPatch = await upload(`${kiosk}/api/settings`, Buffer.from(JSON.stringify({ camera: { fps: 25 } }).padEnd(4000, ' ')), { method: 'PATCH', chunk: 400, pauseMs: 400, headers: { 'content-type': 'application/json' } });
    expect(slowPatch.status).toBe(408);
    expect(control.settings().camera.fps).toBe(30);

    const seen: number[] = [];
    const t0 = Date.now();
    const r = await upload(`${kiosk}/api/update/bundle?name=vtlink-0.2.0.raucb`, bundles.good, {
      chunk: Math.ceil(bundles.good.length / 10),
      pauseMs: 350,
      onChunk: () => {
        const op = updater.state().operation;
        if (op.kind === 'uploading') seen.push(op.receivedBytes);
      },
    });
    expect(Date.now() - t0).toBeGreaterThan(3000);
    expect(r.status).toBe(201);
    expect((r.json as { pending: unknown }).pending).toMatchObject({
      version: '0.2.0',
      compatible: COMPATIBLE,
      signature: 'verified',
      signer: 'CN = vtlink lab test key',
      sizeBytes: bundles.good.length,
      name: 'vtlink-0.2.0.raucb',
    });
    expect(seen.length).toBeGreaterThan(3); // the kiosk can show the upload's progress
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(await files()).toEqual(['pending.raucb']);
    expect(Buffer.compare(await readFile(path.join(updateDir(), 'pending.raucb')), bundles.good)).toBe(0);
    expect(await state()).toMatchObject({ available: true, operation: { kind: 'idle' }, pending: { version: '0.2.0' } });

    // One bundle waits at a time.
    const second = await upload(`${kiosk}/api/update/bundle`, bundles.good);
    expect([second.status, errorOf(second).code]).toEqual([409, 'bundle-pending']);

    const del = await http(`${kiosk}/api/update/bundle`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    expect(await files()).toEqual([]);
    expect((await state()).pending).toBeNull();
  });

  it('refuses a foreign signature, a truncated file and another board’s bundle, with the reason, keeping nothing', async () => {
    const cases: [string, string, RegExp][] = [
      ['foreign', 'bad-signature', /signature is not valid for this device \(rauc: signature verification failed/],
      ['truncated', 'bad-bundle', /not a complete RAUC bundle .*Invalid bundle format.*cut short/],
      ['arm64', 'wrong-compatible', /the bundle is for "vtlink-arm64"; this device is "vtlink-amd64"/],
    ];
    for (const [which, code, message] of cases) {
      const r = await upload(`${kiosk}/api/update/bundle`, bundles[which]);
      expect({ which, status: r.status, code: errorOf(r).code }).toEqual({ which, status: 422, code });
      expect(errorOf(r).message).toMatch(message);
      expect(await files()).toEqual([]);
    }
    expect(await state()).toMatchObject({ pending: null, operation: { kind: 'idle' } });
  });

  it('no room: a declared size over the free space is 507 before a byte is written', async () => {
    fakeFree = 16 * 1024 * 1024 + 10_000; // room for 10 kB after the 16 MiB kept for settings
    try {
      const r = await upload(`${kiosk}/api/update/bundle`, bundles.good, {
        onChunk: async () => expect(await files()).toEqual([]),
      });
      expect([r.status, errorOf(r).code]).toEqual([507, 'no-room']);
      expect(errorOf(r).message).toMatch(/^the bundle is \d+ kB; the state partition has room for 10 kB \(17 MB free, 17 MB kept for settings\)$/);
      expect(await files()).toEqual([]);
    } finally {
      fakeFree = null;
    }
  });

  it('no room: the disk filling during the upload stops it with 507 and removes the partial file (a real 24 MiB tmpfs)', async () => {
    const mnt = path.join(tmp.dir, 'small');
    await mkdir(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mnt]);
    const small = new Updater(updaterOptions(path.join(mnt, 'state'), { freeBytes: undefined }));
    try {
      await small.started;
      control.update = small;
      const body = Buffer.alloc(6 * 1024 * 1024, 7); // fits the ~8 MiB left over the reserve; contents never reach rauc
      let filled = false;
      const r = await upload(`${kiosk}/api/update/bundle`, body, {
        chunk: 256 * 1024,
        pauseMs: 20,
        onChunk: async (sent) => {
          if (filled || sent < 1024 * 1024) return;
          filled = true;
          // Something else fills the partition meanwhile.
          await writeFile(path.join(mnt, 'filler'), Buffer.alloc(24 * 1024 * 1024)).catch(() => undefined);
        },
      });
      expect([r.status, errorOf(r).code]).toEqual([507, 'no-room']);
      expect(errorOf(r).message).toMatch(/^the state partition filled up after [\d.]+ MB of 6\.3 MB; nothing was kept$/);
      expect(await files(path.join(mnt, 'state'))).toEqual([]);
      expect(small.state().operation).toEqual({ kind: 'idle' });
    } finally {
      control.update = updater;
      await small.close();
      execFileSync('umount', [mnt]);
    }
  });

  it('a client that goes away mid-upload leaves nothing; an upload that stalls is given up; no length is 411', async () => {
    const gone = await upload(`${kiosk}/api/update/bundle`, bundles.good, { chunk: 8192, pauseMs: 20, abortAfter: 16_384 });
    expect(gone.status).toBe(0);
    await waitUntil(() => updater.state().operation.kind === 'idle', 'the updater idle again');
    expect(await files()).toEqual([]);
    expect(updater.state().pending).toBeNull();

    // Sends the first quarter, then nothing: the updater gives up after its idle limit (3 s here).
    const stall = await new Promise<HttpAnswer>((resolve) => {
      const req = httpRequest(`${kiosk}/api/update/bundle`, { method: 'PUT', headers: { 'content-length': String(bundles.good.length), connection: 'close' }, agent: false }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString(), json: JSON.parse(Buffer.concat(parts).toString()) }));
      });
      req.on('error', () => resolve({ status: 0, headers: {}, text: '', json: undefined }));
      req.write(bundles.good.subarray(0, bundles.good.length / 4));
    });
    expect([stall.status, errorOf(stall).code]).toEqual([408, 'upload-stalled']);
    expect(await files()).toEqual([]);

    const chunked = await upload(`${kiosk}/api/update/bundle`, bundles.good, { chunked: true });
    expect([chunked.status, errorOf(chunked).code]).toEqual([411, 'length-required']);
    expect(await files()).toEqual([]);
  });

  it('one upload at a time: a second one while the first runs is 409 update-busy', async () => {
    const first = upload(`${kiosk}/api/update/bundle`, bundles.good, { chunk: 4096, pauseMs: 30 });
    await waitUntil(() => updater.state().operation.kind === 'uploading', 'the first upload running');
    const second = await upload(`${kiosk}/api/update/bundle`, bundles.good);
    expect([second.status, errorOf(second).code]).toEqual([409, 'update-busy']);
    const install = await http(`${kiosk}/api/update/install`, { method: 'POST', ...jsonBody({ bundle: 'upload' }) });
    expect([install.status, errorOf(install).code]).toEqual([409, 'update-busy']);
    expect((await first).status).toBe(201);
    await http(`${kiosk}/api/update/bundle`, { method: 'DELETE' });
  });
});

describe('install and result routes', () => {
  it('POST /api/update/install validates its body; nothing pending is 409 no-bundle; a wrong version is 409', async () => {
    const bad = await http(`${kiosk}/api/update/install`, { method: 'POST', ...jsonBody({ bundle: 'disk' }) });
    expect([bad.status, errorOf(bad).code]).toEqual([422, 'invalid-request']);
    const none = await http(`${kiosk}/api/update/install`, { method: 'POST', ...jsonBody({ bundle: 'upload' }) });
    expect([none.status, errorOf(none).code]).toEqual([409, 'no-bundle']);
    const usb = await http(`${kiosk}/api/update/install`, { method: 'POST', ...jsonBody({ bundle: 'usb', id: 'sdq1/x.raucb' }) });
    expect([usb.status, errorOf(usb).code]).toEqual([409, 'no-bundle']);
    expect((await upload(`${kiosk}/api/update/bundle`, bundles.good)).status).toBe(201);
    const wrong = await http(`${kiosk}/api/update/install`, { method: 'POST', ...jsonBody({ bundle: 'upload', version: '0.3.0' }) });
    expect([wrong.status, errorOf(wrong).code]).toEqual([409, 'version-mismatch']);
    expect(await lab.grubenv()).toMatchObject({ ORDER: 'A B' });
  });

  it('installs the upload: 202, progress in GET, then "restart the device" (no RUNTIME_DIRECTORY here); the bundle file is gone', async () => {
    const r = await http(`${kiosk}/api/update/install`, { method: 'POST', ...jsonBody({ bundle: 'upload', version: '0.2.0' }) });
    expect(r.status).toBe(202);
    expect(r.json).toMatchObject({ operation: { kind: 'installing', version: '0.2.0', source: 'upload' } });
    await waitUntil(() => updater.state().operation.kind === 'reboot-needed', 'the install', 60_000);
    const s = await state();
    expect(s).toMatchObject({ operation: { kind: 'reboot-needed', version: '0.2.0', toSlot: 'B' }, pending: null, lastError: null });
    expect(await lab.grubenv()).toMatchObject({ ORDER: 'B A' });
    expect(await files()).toEqual(['last-install.json']);
    // DELETE /api/update/result with nothing to dismiss is fine.
    expect((await http(`${kiosk}/api/update/result`, { method: 'DELETE' })).status).toBe(200);
  });
});

describe('from another host (network namespace)', () => {
  let remote: RemoteHost;
  let lan: string;
  beforeAll(async () => {
    remote = await RemoteHost.create();
    lan = `http://${remote.hostAddress}:${server.port}`;
  });
  afterAll(async () => {
    await remote?.close();
  });

  it('an unpaired host: every update route is 401, and its upload is refused before a byte is written', async () => {
    const before = await files();
    let wrote = false;
    const watch = setInterval(() => {
      if (updater.state().operation.kind !== 'idle' && updater.state().operation.kind !== 'reboot-needed') wrote = true;
    }, 5);
    try {
      const put = await remote.call<{ status: number; text: string }>({ op: 'http', url: `${lan}/api/update/bundle`, method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, bodyBase64: bundles.good.toString('base64') });
      expect([put.status, JSON.parse(put.text).error.code]).toEqual([401, 'unauthorized']);
      for (const [method, p] of [['GET', '/api/update'], ['DELETE', '/api/update/bundle'], ['POST', '/api/update/install'], ['DELETE', '/api/update/result']]) {
        const r = await remote.http(`${lan}${p}`, method === 'POST' ? { method, ...jsonBody({ bundle: 'upload' }) } : { method });
        expect({ route: `${method} ${p}`, status: r.status }).toEqual({ route: `${method} ${p}`, status: 401 });
      }
    } finally {
      clearInterval(watch);
    }
    expect(wrote).toBe(false);
    expect(await files()).toEqual(before);
  });

  it('a paired host reads the state and uploads', async () => {
    const pin = ((await http(`${kiosk}/api/pairing/pin`)).json as { pin: string }).pin;
    const token = ((await remote.http(`${lan}/api/pair`, { method: 'POST', ...jsonBody({ pin, name: 'PC' }) })).json as { token: string }).token;
    const auth = { authorization: `Bearer ${token}` };
    const s = await remote.http(`${lan}/api/update`, { headers: auth });
    expect(s.status).toBe(200);
    expect((s.json as UpdateState).running.slot).toBe('A');
    const put = await remote.call<{ status: number; text: string }>({ op: 'http', url: `${lan}/api/update/bundle`, method: 'PUT', headers: { ...auth, 'content-type': 'application/octet-stream' }, bodyBase64: bundles.good.toString('base64') });
    expect(put.status).toBe(201);
    expect(JSON.parse(put.text).pending.version).toBe('0.2.0');
    expect((await remote.http(`${lan}/api/update/bundle`, { method: 'DELETE', headers: auth })).status).toBe(200);
  });
});

describe('a box without RAUC (a development machine, the Jetson container)', () => {
  it('GET says why not; uploads and installs are 409 updates-unavailable', async () => {
    const dir = path.join(tmp.dir, 'norauc');
    const plain = new Updater({ ...updaterOptions(dir), raucConf: path.join(tmp.dir, 'missing-system.conf') });
    await plain.started;
    control.update = plain;
    try {
      const s = await state();
      expect(s).toMatchObject({ available: false, reason: expect.stringMatching(/^RAUC is not set up on this system \(no .*missing-system\.conf\)/), running: { version: '0.1.0', slot: null }, health: { state: 'not-applicable' } });
      const put = await upload(`${kiosk}/api/update/bundle`, bundles.good);
      expect([put.status, errorOf(put).code]).toEqual([409, 'updates-unavailable']);
      const install = await http(`${kiosk}/api/update/install`, { method: 'POST', ...jsonBody({ bundle: 'upload' }) });
      expect([install.status, errorOf(install).code]).toEqual([409, 'updates-unavailable']);
      expect(existsSync(path.join(dir, 'update'))).toBe(false);
      // And a service with no updater at all (ServiceControl.update absent).
      control.update = undefined;
      expect(await state()).toMatchObject({ available: false, reason: 'this service runs without the updater' });
      const none = await http(`${kiosk}/api/update/install`, { method: 'POST', ...jsonBody({ bundle: 'upload' }) });
      expect([none.status, errorOf(none).code]).toEqual([409, 'updates-unavailable']);
    } finally {
      control.update = updater;
      await plain.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
