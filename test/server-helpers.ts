/**
 * Shared by the server tests: a ServiceControl backed by the REAL SettingsStore (validation, merge
 * patch and durable saves are the real ones; only the tracker is replaced by frames the test emits),
 * a "remote host" in its own network namespace (a real non-loopback peer), and small HTTP helpers.
 */
import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';
import { SettingsStore, validateSettingsPatch, type Settings } from '../src/config';
import type { ApiServerStatus, ApplyResult, DeviceInfo, ReceiversInfo, ServiceControl, ServiceStatus } from '../src/service/control';
import type { TrackingFrame, Vec2, Vec3 } from '../src/tracking/types';
import { randomFaceFrame } from './helpers/output-test-frame';
import { seededRandom } from './helpers/random';

export class TestControl implements ServiceControl {
  private readonly listeners = new Set<(frame: TrackingFrame) => void>();
  restarts = 0;
  calibrations = 0;
  previewCalls = 0;
  hasPreview = true;
  /** What recentLogs() answers from (newest last). */
  logLines: string[] = [];
  /** The last reportApiServer() state. */
  apiServer: ApiServerStatus | null = null;
  private readonly settingsListeners = new Set<(settings: Settings, changed: string[]) => void>();
  /** What calibrateNeutral() rejects with (as the service does with no face or a calibration running). */
  calibrationError: Error | null = null;
  private readonly jpegs = new Map<number, Uint8Array>();

  constructor(readonly store: SettingsStore) {}

  static async open(stateDir: string): Promise<TestControl> {
    return new TestControl(await SettingsStore.open({ stateDir }));
  }

  settings() {
    return this.store.settings;
  }

  async applySettings(patch: unknown): Promise<ApplyResult> {
    const result = validateSettingsPatch(this.store.settings, patch);
    if (!result.ok || result.changed.length === 0) return result;
    await this.store.save(result.settings);
    for (const l of this.settingsListeners) l(result.settings, result.changed);
    return result;
  }

  /** As VtlinkService: called after each saved change. */
  onSettingsChanged(listener: (settings: Settings, changed: string[]) => void): () => void {
    this.settingsListeners.add(listener);
    return () => this.settingsListeners.delete(listener);
  }

  reportApiServer(state: ApiServerStatus): void {
    this.apiServer = state;
  }

  status(): ServiceStatus {
    return {
      version: 'test',
      uptimeS: 1,
      state: 'tracking',
      fps: 30,
      framesProcessed: 10,
      faceFound: true,
      latency: { preprocessMs: 1, detectMs: 0, meshMs: 5, irisMs: 2, geometryMs: 1, filtersMs: 0.1, totalMs: 9.1 },
      camera: { source: this.store.settings.camera.source, state: 'running', droppedFrames: 0, width: 640, height: 480 },
      outputs: {},
      settingsHealth: this.store.health,
      network: { hostname: 'test', addresses: ['192.0.2.1'] },
      kiosk: { state: this.kioskFrames.length > 0 ? 'alive' : 'none', lastHeartbeatAgoMs: this.kioskFrames.length > 0 ? 0 : null, frames: this.kioskFrames.at(-1) ?? null, fps: null, restartsRequested: 0 },
    };
  }

  /** Every kiosk heartbeat's frame count, in arrival order. */
  kioskFrames: number[] = [];

  kioskHeartbeat(frames: number): void {
    this.kioskFrames.push(frames);
  }

  recentLogs(lines: number): string[] {
    return this.logLines.slice(-lines);
  }

  async devices(): Promise<DeviceInfo[]> {
    return [{ source: 'demo', name: 'Built-in demo', formats: [{ format: 'rgb', width: 640, height: 480, fps: [30] }] }];
  }

  /** What receivers() answers: as a service that hears one VTube Studio. */
  receiversInfo: ReceiversInfo = {
    vtubeStudio: {
      listening: true,
      port: 47779,
      ignoredDatagrams: 0,
      instances: [{ address: '192.0.2.20', port: 8001, instanceId: 'test-instance', windowTitle: 'VTube Studio', active: true, lastHeardAgoMs: 500 }],
    },
  };

  receivers(): ReceiversInfo {
    return this.receiversInfo;
  }

  async calibrateNeutral(): Promise<void> {
    if (this.calibrationError) throw this.calibrationError;
    this.calibrations++;
    const neutral = { values: [0.1, 0.2, 0.3], capturedAt: new Date().toISOString() };
    const result = validateSettingsPatch(this.store.settings, { calibration: { neutral } });
    if (!result.ok) throw new Error('calibration refused');
    await this.store.save(result.settings);
  }

  resets = 0;

  /** As the service: refused while calibrationError is set (a calibration running); else clears the saved neutral. */
  async resetCalibration(): Promise<void> {
    if (this.calibrationError) throw this.calibrationError;
    this.resets++;
    const result = validateSettingsPatch(this.store.settings, { calibration: { neutral: null } });
    if (!result.ok) throw new Error('reset refused');
    await this.store.save(result.settings);
  }

  restartTracking(): void {
    this.restarts++;
  }

  onFrame(listener: (frame: TrackingFrame) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  emit(frame: TrackingFrame): void {
    for (const l of this.listeners) l(frame);
  }

  async previewJpeg(maxWidth: number): Promise<Uint8Array | null> {
    this.previewCalls++;
    if (!this.hasPreview) return null;
    const width = Math.min(maxWidth, 640);
    let bytes = this.jpegs.get(width);
    if (!bytes) {
      // Encoded once per width: jpeg-js is slow, and this stands in for the service's own encoder.
      const height = Math.round((width * 3) / 4);
      bytes = jpeg.encode({ data: Buffer.alloc(width * height * 4, 128), width, height }, 70).data;
      this.jpegs.set(width, bytes);
    }
    return bytes;
  }
}

/** A face frame with all 468 + 10 + 68 points filled in (values are arbitrary but finite). */
export function fullFaceFrame(index: number, timeMs = 1000 + index * (1000 / 30)): TrackingFrame {
  const rand = seededRandom(index + 1);
  const frame = randomFaceFrame(rand, index);
  frame.timeMs = timeMs;
  const face = frame.face!;
  face.landmarks = Array.from({ length: 468 }, (): Vec3 => [rand() * 640, rand() * 480, rand() * 50 - 25]);
  face.iris = Array.from({ length: 10 }, (): Vec2 => [rand() * 640, rand() * 480]);
  face.landmarks68 = Array.from({ length: 68 }, (): Vec2 => [rand() * 640, rand() * 480]);
  return frame;
}

export async function tempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: unknown;
}

/** One HTTP request over a fresh connection (Connection: close) from this process. */
export function http(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; localAddress?: string } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: { connection: 'close', ...options.headers }, localAddress: options.localAddress, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = undefined;
        try {
          json = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

export function jsonBody(value: unknown): { headers: Record<string, string>; body: string } {
  return { headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

export function errorOf(answer: HttpAnswer): { code: string; message: string; issues?: { path: string; message: string }[]; position?: number } {
  return (answer.json as { error: { code: string; message: string; issues?: { path: string; message: string }[]; position?: number } }).error;
}

// ── A remote host: a network namespace joined to this one by a veth pair ───────────────────────────

const AGENT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'server-remote-agent.mjs');

type AgentReply = { id: number; ok: boolean; error?: string; [key: string]: unknown };

/**
 * Another host on a point-to-point link: this machine is `hostAddress`, the namespace is
 * `remoteAddress`. Requests from it reach a server bound to 0.0.0.0 from a non-loopback peer
 * address, exactly as from a PC on the LAN. Needs root (ip netns); fails loudly without it.
 */
export class RemoteHost {
  private nextId = 1;
  private readonly pending = new Map<number, (reply: AgentReply) => void>();

  private constructor(
    private readonly ns: string,
    private readonly hostIf: string,
    readonly hostAddress: string,
    readonly remoteAddress: string,
    private readonly agent: ChildProcessWithoutNullStreams,
  ) {
    createInterface({ input: agent.stdout }).on('line', (line) => {
      const reply = JSON.parse(line) as AgentReply;
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    });
    agent.stderr.on('data', (d: Buffer) => process.stderr.write(`[remote agent] ${d}`));
  }

  /** `agentPath`: server-remote-agent.mjs (default: next to this file; a bundled bench passes it). */
  static async create(agentPath = AGENT): Promise<RemoteHost> {
    const tag = `${process.pid % 100000}${Math.floor(Math.random() * 100)}`;
    const ns = `vtl${tag}`;
    const hostIf = `vtl${tag}h`;
    const peerIf = `vtl${tag}n`;
    const subnet = 1 + Math.floor(Math.random() * 250);
    const hostAddress = `10.231.${subnet}.1`;
    const remoteAddress = `10.231.${subnet}.2`;
    const ip = (...args: string[]): void => {
      execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    };
    try {
      ip('netns', 'add', ns);
      ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', peerIf);
      ip('link', 'set', peerIf, 'netns', ns);
      ip('addr', 'add', `${hostAddress}/30`, 'dev', hostIf);
      ip('link', 'set', hostIf, 'up');
      ip('-n', ns, 'addr', 'add', `${remoteAddress}/30`, 'dev', peerIf);
      ip('-n', ns, 'link', 'set', peerIf, 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    } catch (err) {
      try {
        ip('link', 'del', hostIf);
      } catch {
        /* not created */
      }
      try {
        ip('netns', 'del', ns);
      } catch {
        /* not created */
      }
      throw new Error(`cannot create a network namespace for the remote-host tests (needs root and iproute2): ${(err as Error).message}`);
    }
    const agent = spawn('ip', ['netns', 'exec', ns, process.execPath, agentPath], { stdio: ['pipe', 'pipe', 'pipe'] });
    return new RemoteHost(ns, hostIf, hostAddress, remoteAddress, agent);
  }

  call<T extends object = object>(op: Record<string, unknown>): Promise<T & AgentReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (reply) => (reply.ok ? resolve(reply as T & AgentReply) : reject(new Error(`remote ${String(op.op)}: ${reply.error}`))));
      this.agent.stdin.write(`${JSON.stringify({ ...op, id })}\n`);
    });
  }

  /** An HTTP request from the remote host. */
  async http(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<HttpAnswer> {
    const r = await this.call<{ status: number; headers: IncomingHttpHeaders; text: string }>({ op: 'http', url, ...options });
    let json: unknown = undefined;
    try {
      json = JSON.parse(r.text);
    } catch {
      /* not JSON */
    }
    return { status: r.status, headers: r.headers, text: r.text, json };
  }

  /** One UDP datagram from the remote host; `broadcast` allows a broadcast address (e.g. broadcastAddress). */
  async udp(host: string, port: number, data: Uint8Array, broadcast = false): Promise<void> {
    await this.call({ op: 'udp', host, port, dataBase64: Buffer.from(data).toString('base64'), broadcast });
  }

  /** The link's broadcast address (the /30 between this host and the remote one). */
  get broadcastAddress(): string {
    return this.hostAddress.replace(/\.1$/, '.3');
  }

  async close(): Promise<void> {
    this.agent.stdin.end();
    await new Promise<void>((resolve) => {
      if (this.agent.exitCode !== null) resolve();
      else this.agent.once('exit', () => resolve());
      setTimeout(() => {
        this.agent.kill('SIGKILL');
        resolve();
      }, 2000).unref();
    });
    try {
      execFileSync('ip', ['link', 'del', this.hostIf], { stdio: 'ignore' });
    } catch {
      /* gone with the namespace */
    }
    execFileSync('ip', ['netns', 'del', this.ns], { stdio: 'ignore' });
  }
}

// ── Fuzz request execution from this process ──────────────────────────────────────────────────────

/** Raw bytes on a fresh connection; the status of the first answer (0: none before close or waitMs). */
export function rawStatus(host: string, port: number, data: Buffer, waitMs: number): Promise<number> {
  return new Promise((resolve) => {
    let text = '';
    const socket = netConnect({ host, port });
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0));
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', (c: Buffer) => {
      text += c.toString('latin1');
      if (/^HTTP\/1\.1 \d{3}/.test(text)) done();
    });
    socket.on('close', done);
    socket.on('error', done);
    socket.write(data);
  });
}

/** Send one fuzz request; resolves with the status (0: no answer; -1: Node's client refused to send it). */
export function sendFuzzRequest(host: string, port: number, r: { method?: string; path?: string; headers?: Record<string, string>; bodyBase64?: string; rawBase64?: string }, rawWaitMs = 400): Promise<number> {
  if (r.rawBase64 !== undefined) return rawStatus(host, port, Buffer.from(r.rawBase64, 'base64'), rawWaitMs);
  return new Promise((resolve) => {
    let req;
    try {
      req = httpRequest({ host, port, method: r.method, path: r.path, headers: { connection: 'close', ...r.headers }, agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(res.statusCode ?? 0));
      });
    } catch {
      resolve(-1);
      return;
    }
    req.setTimeout(5000, () => req.destroy());
    req.on('error', () => resolve(0));
    req.end(r.bodyBase64 === undefined ? undefined : Buffer.from(r.bodyBase64, 'base64'));
  });
}

/** Run `requests` with `concurrency` in flight; the statuses in order. */
export async function runConcurrently<T>(items: T[], concurrency: number, send: (item: T) => Promise<number>): Promise<number[]> {
  const out = new Array<number>(items.length).fill(0);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await send(items[i]);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}
