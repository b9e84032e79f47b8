/**
 * The HTTP API over real loopback sockets (the kiosk's view): every route, the settings refusal
 * semantics (422 lists every bad path; nothing changes in memory or on disk), error bodies, body and
 * header limits, rate limits, slow clients and the UI's static files.
 */
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultSettings, settingsJsonSchema, type Settings } from '../src/config';
import { startServer, type RunningServer, type ServerOptions } from '../src/server';
import { PreviewCache } from '../src/server/preview';
import { KeyedTokenBuckets } from '../src/server/token-bucket';
import { waitUntil } from './helpers/wait';
import { errorOf, http, jsonBody, tempDir, TestControl } from './server-helpers';

interface Fixture {
  control: TestControl;
  server: RunningServer;
  stateDir: string;
  uiDir: string;
  cleanup: () => Promise<void>;
}

async function fixture(extra: Partial<ServerOptions> = {}): Promise<Fixture> {
  const tmp = await tempDir('vtlink-server-');
  const stateDir = path.join(tmp.dir, 'state');
  const uiDir = path.join(tmp.dir, 'ui');
  const control = await TestControl.open(stateDir);
  const server = await startServer(control, { port: 0, bind: '127.0.0.1', stateDir, uiDir, log: () => undefined, ...extra });
  return {
    control,
    server,
    stateDir,
    uiDir,
    cleanup: async () => {
      await server.close();
      await tmp.remove();
    },
  };
}

/** Raw bytes on one connection; resolves with everything the server sent before closing (or waitMs). */
function rawExchange(port: number, data: string | Buffer, waitMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port });
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('close', done);
    socket.on('error', done);
    socket.write(data);
  });
}

function statusOf(rawAnswer: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(rawAnswer)?.[1] ?? 0);
}

function bodyOf(rawAnswer: string): unknown {
  return JSON.parse(rawAnswer.slice(rawAnswer.indexOf('\r\n\r\n') + 4));
}

describe('HTTP API from the kiosk (loopback)', () => {
  let f: Fixture;
  let base: string;
  beforeAll(async () => {
    f = await fixture();
    base = `http://127.0.0.1:${f.server.port}`;
  });
  afterAll(() => f.cleanup());

  it('GET /api/settings answers the settings in force', async () => {
    const r = await http(`${base}/api/settings`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(r.json).toEqual(defaultSettings());
  });

  it('GET /api/settings/schema is the schema module’s JSON Schema', async () => {
    const r = await http(`${base}/api/settings/schema`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual(JSON.parse(JSON.stringify(settingsJsonSchema())));
  });

  it('PATCH /api/settings applies a valid merge patch, saves it and lists what changed', async () => {
    const r = await http(`${base}/api/settings`, { method: 'PATCH', ...jsonBody({ outputs: { vmc: { enabled: true, targets: [{ host: '127.0.0.1', port: 39540 }] } }, camera: { mirror: true } }) });
    expect(r.status).toBe(200);
    const body = r.json as { settings: Settings; changed: string[] };
    expect(body.changed.sort()).toEqual(['camera.mirror', 'outputs.vmc.enabled', 'outputs.vmc.targets']);
    expect(body.settings.outputs.vmc.targets).toEqual([{ host: '127.0.0.1', port: 39540 }]);
    expect(((await http(`${base}/api/settings`)).json as Settings).outputs.vmc.targets).toEqual([{ host: '127.0.0.1', port: 39540 }]);
    const onDisk = JSON.parse(await readFile(path.join(f.stateDir, 'settings.json'), 'utf8')) as { settings: Partial<Settings> };
    expect(onDisk.settings.outputs?.vmc?.targets).toEqual([{ host: '127.0.0.1', port: 39540 }]);
    // null puts a field back to its default (merge patch)
    const back = await http(`${base}/api/settings`, { method: 'PATCH', ...jsonBody({ camera: { mirror: null } }) });
    expect((back.json as { settings: Settings }).settings.camera.mirror).toBe(false);
  });

  it('PATCH with several bad fields: 422 lists every bad path, and nothing changes in memory or on disk', async () => {
    const before = (await http(`${base}/api/settings`)).text;
    const fileBefore = await readFile(path.join(f.stateDir, 'settings.json'), 'utf8');
    const r = await http(`${base}/api/settings`, {
      method: 'PATCH',
      ...jsonBody({
        camera: { fps: 1000, mirror: 'yes', sauce: 1 },
        outputs: { vmc: { targets: [{ port: 0, host: 'not a host!' }] }, serial: { baud: 12345 } },
        network: { bind: 'everywhere' },
        bogus: true,
      }),
    });
    expect(r.status).toBe(422);
    const err = errorOf(r);
    expect(err.code).toBe('invalid-settings');
    const paths = err.issues!.map((i) => i.path).sort();
    expect(paths).toEqual(['bogus', 'camera.fps', 'camera.mirror', 'camera.sauce', 'network.bind', 'outputs.serial.baud', 'outputs.vmc.targets.0.host', 'outputs.vmc.targets.0.port'].sort());
    for (const issue of err.issues!) expect(issue.message.length).toBeGreaterThan(3);
    expect((await http(`${base}/api/settings`)).text).toBe(before);
    expect(await readFile(path.join(f.stateDir, 'settings.json'), 'utf8')).toBe(fileBefore);
  });

  it('PATCH refuses a non-object, prototype-pollution keys and absurd nesting with 422', async () => {
    for (const body of ['[1,2]', '42', '"x"', 'null', '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', `${'{"a":'.repeat(40)}1${'}'.repeat(40)}`]) {
      const r = await http(`${base}/api/settings`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body });
      expect(r.status, body).toBe(422);
      expect(errorOf(r).issues!.length).toBeGreaterThan(0);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('malformed JSON: 400 with the position of the error', async () => {
    const r = await http(`${base}/api/settings`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"camera": {"fps": 30,}}' });
    expect(r.status).toBe(400);
    const err = errorOf(r);
    expect(err.code).toBe('malformed-json');
    expect(err.position).toBe(22); // the "}" after the trailing comma
    const truncated = await http(`${base}/api/settings`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"camera": ' });
    expect(truncated.status).toBe(400);
    expect(errorOf(truncated).position).toBe(11);
    const notUtf8 = await http(`${base}/api/settings`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) });
    expect(notUtf8.status).toBe(400);
    expect(errorOf(notUtf8).code).toBe('invalid-utf8');
  });

  it('wrong or missing content type: 415; empty body: 400', async () => {
    const form = await http(`${base}/api/settings`, { method: 'PATCH', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'camera=1' });
    expect(form.status).toBe(415);
    expect(errorOf(form).code).toBe('unsupported-media-type');
    const none = await http(`${base}/api/settings`, { method: 'PATCH', body: '{}' });
    expect(none.status).toBe(415);
    const latin1 = await http(`${base}/api/settings`, { method: 'PATCH', headers: { 'content-type': 'application/json; charset=iso-8859-1' }, body: '{}' });
    expect(latin1.status).toBe(415);
    const empty = await http(`${base}/api/settings`, { method: 'PATCH', headers: { 'content-type': 'application/json' } });
    expect(empty.status).toBe(400);
    expect(errorOf(empty).code).toBe('empty-body');
  });

  it('a body over 64 KiB: 413 (declared length or chunked)', async () => {
    const big = JSON.stringify({ camera: { source: 'x'.repeat(70 * 1024) } });
    const declared = await http(`${base}/api/settings`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: big });
    expect(declared.status).toBe(413);
    expect(errorOf(declared).code).toBe('body-too-large');
    const chunked = await rawExchange(
      f.server.port,
      `PATCH /api/settings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`,
    );
    expect(statusOf(chunked)).toBe(413);
    const huge = await rawExchange(f.server.port, `PATCH /api/settings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999999\r\n\r\n{`);
    expect(statusOf(huge)).toBe(413);
  });

  it('unknown routes: 404; wrong methods: 405 with Allow; every error is a JSON error body', async () => {
    const missing = await http(`${base}/api/nothing`);
    expect(missing.status).toBe(404);
    expect(errorOf(missing).code).toBe('not-found');
    const wrong = await http(`${base}/api/settings`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET, PATCH');
    expect(errorOf(wrong).message).toContain('DELETE');
    const postStatus = await http(`${base}/api/status`, { method: 'POST' });
    expect(postStatus.status).toBe(405);
    const streamOverHttp = await http(`${base}/api/stream`);
    expect(streamOverHttp.status).toBe(426);
  });

  it('GET /api/status is the service status plus the API’s own counters', async () => {
    const r = await http(`${base}/api/status`);
    expect(r.status).toBe(200);
    const s = r.json as ReturnType<TestControl['status']> & { api: { stream: { clients: number }; pairedClients: number } };
    expect(s.state).toBe('tracking');
    expect(s.latency.totalMs).toBeCloseTo(9.1);
    expect(s.settingsHealth.status).toBe('ok');
    expect(s.api.stream.clients).toBe(0);
    expect(s.api.pairedClients).toBe(0);
  });

  it('GET /api/devices lists the service’s cameras', async () => {
    const r = await http(`${base}/api/devices`);
    expect(r.status).toBe(200);
    expect((r.json as { devices: { source: string }[] }).devices[0].source).toBe('demo');
  });

  it('POST /api/calibrate-neutral and /api/restart-tracking reach the service', async () => {
    const cal = await http(`${base}/api/calibrate-neutral`, { method: 'POST' });
    expect(cal.status).toBe(200);
    expect(f.control.calibrations).toBe(1);
    expect((cal.json as { calibration: Settings['calibration'] }).calibration.neutral?.values).toEqual([0.1, 0.2, 0.3]);
    const restart = await http(`${base}/api/restart-tracking`, { method: 'POST', ...jsonBody({}) });
    expect(restart.status).toBe(200);
    expect(f.control.restarts).toBe(1);
    const withText = await http(`${base}/api/restart-tracking`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'go' });
    expect(withText.status).toBe(415);
    expect(f.control.restarts).toBe(1);
  });

  it('GET /api/logs: the newest lines, oldest first; lines=N is checked', async () => {
    f.control.logLines = ['one', 'two', 'three'];
    const all = await http(`${base}/api/logs`);
    expect(all.status).toBe(200);
    expect(all.json).toEqual({ lines: ['one', 'two', 'three'] });
    expect((await http(`${base}/api/logs?lines=2`)).json).toEqual({ lines: ['two', 'three'] });
    for (const bad of ['0', '-1', '1.5', 'x', '100000']) {
      const r = await http(`${base}/api/logs?lines=${bad}`);
      expect(r.status, bad).toBe(400);
      expect(errorOf(r).code).toBe('bad-lines');
    }
  });

  it('POST /api/calibrate-neutral that the service refuses is a 409 with its reason', async () => {
    f.control.calibrationError = new Error('no face was seen for 30 frames within 15 s; nothing was saved');
    try {
      const r = await http(`${base}/api/calibrate-neutral`, { method: 'POST' });
      expect(r.status).toBe(409);
      expect(errorOf(r).code).toBe('calibration-failed');
      expect(errorOf(r).message).toBe('no face was seen for 30 frames within 15 s; nothing was saved');
    } finally {
      f.control.calibrationError = null;
    }
  });

  it('a change from another site’s page (Origin not this host) is refused, even on loopback', async () => {
    const r = await http(`${base}/api/restart-tracking`, { method: 'POST', headers: { origin: 'http://evil.example' } });
    expect(r.status).toBe(403);
    expect(errorOf(r).code).toBe('cross-origin');
    const same = await http(`${base}/api/restart-tracking`, { method: 'POST', headers: { origin: base } });
    expect(same.status).toBe(200);
  });

  it('GET /api/preview.jpg is a real JPEG of the asked width, shared between requests in a preview period', async () => {
    const calls = f.control.previewCalls;
    const r = await http(`${base}/api/preview.jpg?w=320`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('image/jpeg');
    const bytes = await fetch(`${base}/api/preview.jpg?w=320`).then((res) => res.arrayBuffer());
    const decoded = jpeg.decode(new Uint8Array(bytes));
    expect(decoded.width).toBe(320);
    expect(decoded.height).toBe(240);
    // The second request within 1/previewFps was served from the cache, unless the first had aged out.
    expect(f.control.previewCalls - calls).toBeGreaterThanOrEqual(1);
    expect(f.control.previewCalls - calls).toBeLessThanOrEqual(2);
  });

  it('GET /api/pairing/pin shows a 6-digit PIN to the kiosk', async () => {
    const r = await http(`${base}/api/pairing/pin`);
    expect(r.status).toBe(200);
    expect((r.json as { pin: string }).pin).toMatch(/^[0-9]{6}$/);
  });

  it('malformed request lines and oversized headers get JSON 400 / 431, and the server keeps serving', async () => {
    const garbage = await rawExchange(f.server.port, 'HELLO THERE\r\n\r\n');
    expect(statusOf(garbage)).toBe(400);
    expect((bodyOf(garbage) as { error: { code: string } }).error.code).toBe('bad-request');
    const bigHeader = await rawExchange(f.server.port, `GET /api/status HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect(statusOf(bigHeader)).toBe(431);
    expect((await http(`${base}/api/status`)).status).toBe(200);
  });
});

describe('UI static files', () => {
  let f: Fixture;
  let base: string;
  beforeAll(async () => {
    f = await fixture();
    base = `http://127.0.0.1:${f.server.port}`;
  });
  afterAll(() => f.cleanup());

  it('404 no-ui while the UI is not built; then / is index.html with the right content types', async () => {
    const before = await http(`${base}/`);
    expect(before.status).toBe(404);
    expect(errorOf(before).code).toBe('no-ui');
    await mkdir(path.join(f.uiDir, 'assets'), { recursive: true });
    await writeFile(path.join(f.uiDir, 'index.html'), '<!doctype html><title>vtlink</title>');
    await writeFile(path.join(f.uiDir, 'assets', 'app.js'), 'console.log(1)');
    await writeFile(path.join(f.uiDir, 'assets', 'app.css'), 'body{}');
    const index = await http(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.text).toContain('<title>vtlink</title>');
    const js = await http(`${base}/assets/app.js`);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.text).toBe('console.log(1)');
    expect((await http(`${base}/assets/app.css`)).headers['content-type']).toBe('text/css; charset=utf-8');
    const head = await http(`${base}/index.html`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect((await http(`${base}/nope.js`)).status).toBe(404);
    expect((await http(`${base}/index.html`, { method: 'POST' })).status).toBe(405);
  });

  it('no traversal: .., encoded .., backslashes, NUL, dot files and symlinks out of the folder are 404', async () => {
    const secret = path.join(path.dirname(f.uiDir), 'state', 'pairing-secret.txt');
    await mkdir(path.dirname(secret), { recursive: true });
    await writeFile(secret, 'SECRET');
    await writeFile(path.join(f.uiDir, '.env'), 'SECRET');
    await symlink(secret, path.join(f.uiDir, 'link.txt'));
    const attempts = [
      '/../state/pairing-secret.txt',
      '/%2e%2e/state/pairing-secret.txt',
      '/assets/%2e%2e%2f%2e%2e%2fstate/pairing-secret.txt',
      '/..%5cstate%5cpairing-secret.txt',
      '/index.html%00.js',
      '/.env',
      '/link.txt',
      '/%E0%A4%A',
    ];
    for (const p of attempts) {
      const answer = await rawExchange(f.server.port, `GET ${p} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      expect(statusOf(answer), p).toBe(404);
      expect(answer).not.toContain('SECRET');
    }
  });
});

describe('limits', () => {
  it('per-address request budget: 429 with Retry-After once the burst is spent', async () => {
    // Refill is slow enough (one token in 100 s) that the burst is what this test sees on any machine;
    // the refill itself is tested below with explicit times.
    const f = await fixture({ limits: { requestsPerSecond: 0.01, requestBurst: 5 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) statuses.push((await http(`http://127.0.0.1:${f.server.port}/api/status`)).status);
      expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
      expect(statuses.slice(5)).toEqual([429, 429, 429]);
      const r = await http(`http://127.0.0.1:${f.server.port}/api/status`);
      expect(r.headers['retry-after']).toMatch(/^[1-9][0-9]*$/);
      expect(Number(r.headers['retry-after'])).toBeGreaterThan(90);
      expect(errorOf(r).code).toBe('too-many-requests');
    } finally {
      await f.cleanup();
    }
  });

  it('the budget refills at its rate, per address, up to the burst (explicit times)', () => {
    const buckets = new KeyedTokenBuckets(2, 3);
    expect([0, 0, 0].map(() => buckets.take('a', 1000))).toEqual([0, 0, 0]);
    expect(buckets.take('a', 1000)).toBeCloseTo(0.5, 9); // one token back after 1/2 s
    expect(buckets.take('b', 1000)).toBe(0); // another address has its own bucket
    expect(buckets.take('a', 1499)).toBeGreaterThan(0);
    expect(buckets.take('a', 1500)).toBe(0);
    expect(buckets.take('a', 1500)).toBeGreaterThan(0);
    // A long pause refills to the burst, not beyond.
    expect([0, 0, 0].map(() => buckets.take('a', 60_000))).toEqual([0, 0, 0]);
    expect(buckets.take('a', 60_000)).toBeGreaterThan(0);
  });

  it('slowloris: a head trickled in byte by byte is cut off with 408, and others are still served', async () => {
    const f = await fixture({ limits: { headersTimeoutMs: 1000, requestTimeoutMs: 2000 } });
    try {
      const socket = connect({ host: '127.0.0.1', port: f.server.port });
      const received: Buffer[] = [];
      let closed = false;
      socket.on('data', (c: Buffer) => received.push(c));
      socket.on('close', () => (closed = true));
      socket.on('error', () => undefined);
      socket.write('GET /api/status HTTP/1.1\r\nHost: x\r\n');
      // Keep sending a header line every 200 ms; a well-behaved server hangs up long before 100 lines.
      for (let i = 0; i < 100 && !closed; i++) {
        await new Promise((r) => setTimeout(r, 200));
        if (!closed) socket.write(`X-Trickle-${i}: 1\r\n`);
      }
      expect(closed).toBe(true);
      expect(statusOf(Buffer.concat(received).toString('latin1'))).toBe(408);
      expect((await http(`http://127.0.0.1:${f.server.port}/api/status`)).status).toBe(200);
    } finally {
      await f.cleanup();
    }
  });

  it('a body trickled slowly is cut off by the request timeout', async () => {
    const f = await fixture({ limits: { headersTimeoutMs: 1000, requestTimeoutMs: 2000 } });
    try {
      const socket = connect({ host: '127.0.0.1', port: f.server.port });
      let text = '';
      let closed = false;
      socket.on('data', (c: Buffer) => (text += c.toString('latin1')));
      socket.on('close', () => (closed = true));
      socket.on('error', () => undefined);
      socket.write('PATCH /api/settings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
      for (let i = 0; i < 100 && !closed; i++) {
        await new Promise((r) => setTimeout(r, 200));
        if (!closed) socket.write(' ');
      }
      expect(closed).toBe(true);
      expect(statusOf(text)).toBe(408);
      expect(f.control.settings()).toEqual(defaultSettings());
    } finally {
      await f.cleanup();
    }
  });

  it('connections beyond the per-address bound are closed at once', async () => {
    const f = await fixture({ limits: { maxConnectionsPerAddress: 4 } });
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        const s = connect({ host: '127.0.0.1', port: f.server.port });
        s.on('error', () => undefined);
        await new Promise((r) => s.once('connect', r));
        sockets.push(s);
      }
      await waitUntil(() => f.server.stats().connectionsOpen === 4, 'the server to count the four connections');
      const fifth = await rawExchange(f.server.port, 'GET /api/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 3000);
      expect(fifth).toBe('');
      expect(f.server.stats().connectionsRefused).toBeGreaterThanOrEqual(1);
      for (const s of sockets) s.destroy();
      await waitUntil(() => f.server.stats().connectionsOpen === 0, 'the server to see the four closed');
      expect((await http(`http://127.0.0.1:${f.server.port}/api/status`)).status).toBe(200);
    } finally {
      for (const s of sockets) s.destroy();
      await f.cleanup();
    }
  });

  it('a bug in the service becomes a logged 500 and the server keeps serving', async () => {
    const lines: string[] = [];
    const f = await fixture({ log: (l) => lines.push(l) });
    try {
      f.control.devices = () => Promise.reject(new Error('camera list exploded'));
      f.control.status = () => {
        throw new TypeError('status exploded');
      };
      const r = await http(`http://127.0.0.1:${f.server.port}/api/devices`);
      expect(r.status).toBe(500);
      expect(errorOf(r).code).toBe('internal-error');
      expect(errorOf(r).message).toContain('camera list exploded');
      expect((await http(`http://127.0.0.1:${f.server.port}/api/status`)).status).toBe(500);
      expect(lines.some((l) => l.includes('status exploded'))).toBe(true);
      expect((await http(`http://127.0.0.1:${f.server.port}/api/settings`)).status).toBe(200);
    } finally {
      await f.cleanup();
    }
  });
});

describe('preview budget', () => {
  it('encodes are shared by all clients and widths: one at a time, at most one per preview period', async () => {
    const f = await fixture({ limits: { previewPerSecond: 1000 } });
    try {
      await http(`http://127.0.0.1:${f.server.port}/api/settings`, { method: 'PATCH', ...jsonBody({ display: { previewFps: 1 } }) });
      const before = f.control.previewCalls;
      const startedMs = performance.now();
      // 24 requests for 6 widths at once, normally all within one 1 s preview period.
      const answers = await Promise.all(
        Array.from({ length: 24 }, (_, i) => fetch(`http://127.0.0.1:${f.server.port}/api/preview.jpg?w=${[128, 320, 480, 640, 1280, 96][i % 6]}`).then(async (r) => ({ status: r.status, bytes: new Uint8Array(await r.arrayBuffer()) }))),
      );
      expect(answers.every((a) => a.status === 200)).toBe(true);
      for (const a of answers) expect(jpeg.decode(a.bytes).width).toBeGreaterThan(0);
      // One encode per period begun: 1 unless this machine took over a second for the 24.
      const periods = Math.ceil((performance.now() - startedMs) / 1000);
      expect(f.control.previewCalls - before).toBeGreaterThanOrEqual(1);
      expect(f.control.previewCalls - before).toBeLessThanOrEqual(periods);
    } finally {
      await f.cleanup();
    }
  });

  it('the cache on its own clock: fresh per width within the budget, shared beyond it, one encode at a time, a slow encode holds the next one back', async () => {
    const tmp = await tempDir('vtlink-preview-');
    const control = await TestControl.open(tmp.dir);
    let nowMs = 0;
    const cache = new PreviewCache(control, () => nowMs);
    const width = async (p: Promise<Uint8Array | null>) => jpeg.decode((await p)!).width;
    expect(await width(cache.get(320, 100))).toBe(320);
    expect(cache.encodes).toBe(1);
    nowMs = 99;
    expect(await width(cache.get(320, 100))).toBe(320); // same period, same width: shared
    expect(await width(cache.get(640, 100))).toBe(320); // same period, new width: the latest picture
    expect(cache.encodes).toBe(1);
    nowMs = 100;
    expect(await width(cache.get(640, 100))).toBe(640); // next period: fresh, at its width
    expect(cache.encodes).toBe(2);
    // While an encode is in flight, a request in a new period shares it instead of starting another.
    nowMs = 200;
    const inFlight = cache.get(320, 100);
    nowMs = 300;
    expect(await width(cache.get(128, 100))).toBe(320);
    await inFlight;
    expect(cache.encodes).toBe(3);

    // An encode that took 50 ms: the next waits twice that, although the period is 10 ms.
    const slow = Object.assign(Object.create(control) as TestControl, {
      previewJpeg: async (w: number) => {
        nowMs += 50;
        return control.previewJpeg(w);
      },
    });
    nowMs = 1000;
    const slowCache = new PreviewCache(slow, () => nowMs);
    expect(await width(slowCache.get(320, 10))).toBe(320); // done at 1050
    nowMs = 1099;
    expect(await width(slowCache.get(640, 10))).toBe(320);
    expect(slowCache.encodes).toBe(1);
    nowMs = 1100;
    expect(await width(slowCache.get(640, 10))).toBe(640);
    expect(slowCache.encodes).toBe(2);
    await tmp.remove();
  });

  it('no frame yet is a 503 with Retry-After; when frames stop, the last picture is served until its period ends, then 503', async () => {
    const f = await fixture({ limits: { previewPerSecond: 1000 } });
    const url = `http://127.0.0.1:${f.server.port}/api/preview.jpg?w=320`;
    try {
      await http(`http://127.0.0.1:${f.server.port}/api/settings`, { method: 'PATCH', ...jsonBody({ display: { previewFps: 5 } }) });
      f.control.hasPreview = false;
      const none = await http(url);
      expect(none.status).toBe(503);
      expect(none.headers['retry-after']).toBe('1');
      expect(errorOf(none).code).toBe('no-frame-yet');

      f.control.hasPreview = true;
      // The 503 above encoded nothing to share, so this request asks for a fresh picture whatever the clock says.
      const sentMs = performance.now();
      expect((await http(url)).status).toBe(200);
      f.control.hasPreview = false;
      // Poll: the cached picture until the 200 ms period since that encode is over, then the service's answer.
      const statuses: number[] = [];
      while (statuses.at(-1) !== 503 && statuses.length < 200) {
        statuses.push((await http(url)).status);
        if (statuses.at(-1) === 503) expect(performance.now() - sentMs).toBeGreaterThanOrEqual(200);
        else await new Promise((r) => setTimeout(r, 20));
      }
      expect(statuses.at(-1)).toBe(503);
      expect(statuses.slice(0, -1).every((s) => s === 200)).toBe(true);
    } finally {
      await f.cleanup();
    }
  });
});
