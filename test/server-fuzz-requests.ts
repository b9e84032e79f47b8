/**
 * Random and malformed HTTP requests for the API fuzz (test/server-fuzz.test.ts, bench/api-fuzz.ts):
 * random methods, paths, headers, bodies, JSON garbage, huge numbers, deep nesting,
 * prototype-pollution keys, broken framing. Seeded, so a failure replays.
 *
 * `mayChange: false` requests must leave the settings as they were: from the kiosk (loopback) the
 * generator never emits a settings patch the schema would accept (checked with the real
 * validateSettingsPatch) nor a calibration; from another host, unauthorised, anything goes.
 */
import { defaultSettings, validateSettingsPatch, type Settings } from '../src/config';

export interface FuzzRequest {
  /** Sent with an HTTP client when set; otherwise `raw` bytes go on a fresh TCP connection. */
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  bodyBase64?: string;
  rawBase64?: string;
}

const ROUTES = [
  '/api/settings', '/api/settings/schema', '/api/status', '/api/devices', '/api/calibrate-neutral',
  '/api/restart-tracking', '/api/preview.jpg', '/api/receivers', '/api/pair', '/api/pairing/pin', '/api/pairing/clients', '/api/kiosk/heartbeat', '/api/stream', '/',
  '/index.html',
];
const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND'];
const JUNK_PATHS = [
  '/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/api/../api/settings', '/api/settings/', '/api//settings', '/api/settings?x=1&x=2',
  '/api/preview.jpg?w=-1', '/api/preview.jpg?w=1e9', '/api/preview.jpg?w=NaN', '/api/preview.jpg?w=', '/%00', '/%', '/%E0%A4%A',
  '/api/stream?rate=1e9&detail=__proto__', '/api/' + 'a'.repeat(3000), '/api/settings#frag', '/\u00e9\u00e8', '/api/pair?pin=000000',
];
const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/merge-patch+json', '', 'application/json;;;;', '*/*'];

type Rand = () => number;

function pick<T>(rand: Rand, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)];
}

const SETTINGS_PATHS: string[][] = [];
(function collect(obj: unknown, prefix: string[]): void {
  if (obj && typeof obj === 'object' && !Array.isArray(obj)) {
    for (const [k, v] of Object.entries(obj)) collect(v, [...prefix, k]);
  } else {
    SETTINGS_PATHS.push(prefix);
  }
})(defaultSettings(), []);

const WEIRD_VALUES: unknown[] = [
  null, true, false, 0, -1, 1e308, -1e308, 2 ** 53 + 1, 0.1, 65536, 99999999999999999999, '', 'x', 'a'.repeat(5000),
  '\u0000', '../../etc', '<script>', [], [1, 2, 3], {}, { a: 1 }, '#zzzzzz', 'v4l:/dev/video0', 'demo', 115200, 12345, 'ws://x', 'java' + 'script:1',
];

function nested(depth: number, kind: 'array' | 'object'): string {
  return kind === 'array' ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** A JSON-ish body: sometimes a plausible settings patch with a wrong value, often garbage. */
function randomBody(rand: Rand): string | Buffer {
  const r = rand();
  if (r < 0.3) {
    const patch: Record<string, unknown> = {};
    const n = 1 + Math.floor(rand() * 3);
    for (let i = 0; i < n; i++) {
      const p = pick(rand, SETTINGS_PATHS);
      let node = patch;
      for (const key of p.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
      node[rand() < 0.15 ? `${p.at(-1)}_typo` : p.at(-1)!] = pick(rand, WEIRD_VALUES);
    }
    return JSON.stringify(patch);
  }
  const garbage: (() => string | Buffer)[] = [
    () => '{"__proto__":{"polluted":true}}',
    () => '{"constructor":{"prototype":{"polluted":true}}}',
    () => '{"camera":{"__proto__":{"fps":1}}}',
    () => '{"camera":{"fps":1e400}}',
    () => '{"camera":{"fps":-0}}',
    () => `{"camera":{"fps":${'9'.repeat(400)}}}`,
    () => nested(1 + Math.floor(rand() * 20000), rand() < 0.5 ? 'array' : 'object'),
    () => `{"calibration":{"neutral":{"values":${nested(5000, 'array')},"capturedAt":"x"}}}`,
    () => '{"camera":{"fps":30,}}',
    () => '{"camera": ',
    () => '{\'camera\': 1}',
    () => 'null',
    () => '[]',
    () => '"string"',
    () => 'NaN',
    () => '{"a":1,"a":2}',
    () => '\ufeff{}',
    () => Buffer.from(Array.from({ length: Math.floor(rand() * 300) }, () => Math.floor(rand() * 256))),
    () => `{"camera":{"source":"${'x'.repeat(Math.floor(rand() * 80_000))}"}}`,
    () => '{"pin":"123456"}',
    () => `{"pin":"${Math.floor(rand() * 1e6)}","name":"${'n'.repeat(Math.floor(rand() * 100))}"}`,
    () => '{"pin":123456}',
    () => '{}',
  ];
  return pick(rand, garbage)();
}

/** Malformed framing that no well-behaved HTTP client would send. */
function randomRaw(rand: Rand): string | Buffer {
  const body = randomBody(rand);
  const len = Buffer.byteLength(body);
  const raws: (() => string | Buffer)[] = [
    () => 'GARBAGE\r\n\r\n',
    () => 'GET / HTTP/9.9\r\n\r\n',
    () => 'GET /api/status\r\n\r\n',
    () => `PATCH /api/settings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${len}\r\nContent-Length: ${len + 1}\r\n\r\n${body}`,
    () => `PATCH /api/settings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n${body}\r\n0\r\n\r\n`,
    () => `PATCH /api/settings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -5\r\nConnection: close\r\n\r\n`,
    () => `POST /api/pair HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n`,
    () => `GET /api/status HTTP/1.1\r\nHost: x\r\nX-Bad\u0000Header: 1\r\n\r\n`,
    () => `GET /api/status HTTP/1.1\r\nHost: x\r\n${'X-Many: 1\r\n'.repeat(3000)}\r\n`,
    () => `GET /api/status HTTP/1.1\r\nHost: x\r\n\r\nGET /api/settings HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    () => Buffer.concat([Buffer.from('PATCH /api/settings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n'), Buffer.from(`Content-Length: ${len}\r\n\r\n`), Buffer.from(body)]),
    () => Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 500) }, () => Math.floor(rand() * 256))),
    () => `GET /api/stream HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    () => `GET /api/stream?detail=full HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n\r\n\u0089\u0080garbage`,
  ];
  return pick(rand, raws)();
}

/** Whether a loopback request would be an accepted change of the settings (which the fuzz must not send). */
function wouldChangeSettings(method: string, path: string, body: string | Buffer | undefined, current: Settings): boolean {
  // The server resolves dot segments and drops fragments: compare the path it will see.
  let pathname: string;
  try {
    pathname = new URL(path, 'http://vtlink.invalid').pathname;
  } catch {
    return false;
  }
  if (method === 'POST' && pathname === '/api/calibrate-neutral') return true;
  if (method !== 'PATCH' || pathname !== '/api/settings' || body === undefined) return false;
  try {
    // The server drops a UTF-8 byte order mark, as RFC 8259 allows; so does this check.
    return validateSettingsPatch(current, JSON.parse(body.toString().replace(/^\ufeff/, ''))).ok;
  } catch {
    return false;
  }
}

/**
 * One random request. `fromKiosk`: the request comes from loopback (authorised for changes), so
 * anything that would change the settings is turned into something that cannot.
 */
export function randomRequest(rand: Rand, fromKiosk: boolean, current: Settings = defaultSettings()): FuzzRequest {
  if (rand() < 0.12) {
    let raw = randomRaw(rand);
    // A raw PATCH from the kiosk whose body the schema would accept becomes a harmless GET.
    const text = Buffer.from(raw).toString('utf8');
    const rawBody = text.slice(text.indexOf('\r\n\r\n') + 4);
    if (fromKiosk && text.startsWith('PATCH') && wouldChangeSettings('PATCH', '/api/settings', rawBody, current)) {
      raw = 'GET /api/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
    }
    return { rawBase64: Buffer.from(raw).toString('base64') };
  }
  let method = rand() < 0.5 ? pick(rand, ['GET', 'PATCH', 'POST']) : pick(rand, METHODS);
  let path = rand() < 0.8 ? pick(rand, ROUTES) : pick(rand, JUNK_PATHS);
  if (rand() < 0.1) path += `?${pick(rand, ['w=320', 'w=99999', 'rate=30', 'x=%ZZ', 'a=' + 'b'.repeat(500)])}`;
  const headers: Record<string, string> = {};
  if (rand() < 0.8) headers['content-type'] = pick(rand, CONTENT_TYPES);
  if (rand() < 0.2) headers.authorization = pick(rand, ['Bearer ', 'Bearer x', `Bearer ${'A'.repeat(43)}`, 'Basic YTpi', 'Bearer ' + 'z'.repeat(400), 'bearer   ']);
  if (rand() < 0.1) headers.origin = pick(rand, ['http://evil.example', 'null', 'http://127.0.0.1', '::::']);
  if (rand() < 0.05) headers['x-forwarded-for'] = '127.0.0.1';
  if (rand() < 0.05) headers.expect = '100-continue';
  let body = method === 'GET' || method === 'HEAD' ? (rand() < 0.1 ? randomBody(rand) : undefined) : rand() < 0.9 ? randomBody(rand) : undefined;
  if (fromKiosk && wouldChangeSettings(method, path, body, current)) {
    if (method === 'POST') path = '/api/restart-tracking';
    else body = JSON.stringify({ ...JSON.parse(body!.toString().replace(/^\ufeff/, '')), fuzzUnknownField: 1 });
  }
    return { method, path, headers, bodyBase64: body === undefined ? undefined : Buffer.from(body).toString('base64') };
}
