/**
 * sd_notify through the addon against a real AF_UNIX datagram socket. Node cannot bind one, so the
 * receiver is python3's socket module (an independent implementation), on a path and in the abstract
 * namespace ('@name', what systemd itself uses for some services).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { sdNotify } from '../src/native/notify';

/** Binds a datagram socket (abstract when the address starts with '@'), prints READY, then prints each datagram as hex. */
const RECEIVER = `
import socket, sys
addr = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind('\\0' + addr[1:] if addr.startswith('@') else addr)
print('READY', flush=True)
s.settimeout(10)
for _ in range(int(sys.argv[2])):
    print(s.recv(65536).hex(), flush=True)
`;

interface Receiver {
  messages: Promise<string[]>;
  process: ChildProcessWithoutNullStreams;
}

async function startReceiver(address: string, count: number): Promise<Receiver> {
  const child = spawn('python3', ['-c', RECEIVER, address, String(count)]);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines: string[] = [];
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  let buffered = '';
  child.stdout.on('data', (d: Buffer) => {
    buffered += d.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line === 'READY') onReady();
      else lines.push(Buffer.from(line, 'hex').toString('utf8'));
    }
  });
  const messages = new Promise<string[]>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(lines) : reject(new Error(`receiver exited ${code}: ${stderr}`))));
  });
  await Promise.race([ready, messages.then(() => Promise.reject(new Error(`receiver ended before binding: ${stderr}`)))]);
  return { messages, process: child };
}

describe('sdNotify (native sd_notify sender)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vtlink-notify-'));
  const savedEnv = process.env.NOTIFY_SOCKET;
  const receivers: Receiver[] = [];
  afterEach(() => {
    if (savedEnv === undefined) delete process.env.NOTIFY_SOCKET;
    else process.env.NOTIFY_SOCKET = savedEnv;
    for (const r of receivers.splice(0)) r.process.kill();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sends each state as one datagram to $NOTIFY_SOCKET (a path)', async () => {
    const socketPath = path.join(dir, 'notify.sock');
    const r = await startReceiver(socketPath, 2);
    receivers.push(r);
    process.env.NOTIFY_SOCKET = socketPath;
    expect(sdNotify('READY=1')).toBe(true);
    expect(sdNotify('STATUS=tracking 60 fps\nWATCHDOG=1')).toBe(true);
    expect(await r.messages).toEqual(['READY=1', 'STATUS=tracking 60 fps\nWATCHDOG=1']);
  });

  it('reaches an abstract-namespace socket given as @name', async () => {
    const name = `@vtlink-test-${process.pid}-${Date.now()}`;
    const r = await startReceiver(name, 1);
    receivers.push(r);
    process.env.NOTIFY_SOCKET = name;
    expect(sdNotify('READY=1')).toBe(true);
    expect(await r.messages).toEqual(['READY=1']);
  });

  it('uses an explicit socket over the environment', async () => {
    const socketPath = path.join(dir, 'explicit.sock');
    const r = await startReceiver(socketPath, 1);
    receivers.push(r);
    process.env.NOTIFY_SOCKET = path.join(dir, 'not-this-one.sock');
    expect(sdNotify('STOPPING=1', socketPath)).toBe(true);
    expect(await r.messages).toEqual(['STOPPING=1']);
  });

  it('returns false when not under systemd (NOTIFY_SOCKET unset or empty)', () => {
    delete process.env.NOTIFY_SOCKET;
    expect(sdNotify('READY=1')).toBe(false);
    process.env.NOTIFY_SOCKET = '';
    expect(sdNotify('READY=1')).toBe(false);
  });

  it('throws with the reason when the socket is absent or the address is not a Unix socket', () => {
    process.env.NOTIFY_SOCKET = path.join(dir, 'nobody-listens.sock');
    expect(() => sdNotify('READY=1')).toThrow(/sendmsg to '.*nobody-listens\.sock' failed: No such file or directory/);
    process.env.NOTIFY_SOCKET = 'relative.sock';
    expect(() => sdNotify('READY=1')).toThrow(/must be an absolute path or start with '@'/);
    process.env.NOTIFY_SOCKET = '/' + 'x'.repeat(200);
    expect(() => sdNotify('READY=1')).toThrow(/too long/);
  });
});
