/**
 * The VTube Studio output against a WebSocket server of the test's own that plays VTube Studio's
 * public plugin API (github.com/DenchiSoft/VTubeStudio README): it checks the shape of every
 * request, hands out tokens, authenticates, creates custom parameters, records injections, and can
 * drop connections, revoke tokens, have the user deny the plugin, refuse or lose custom parameters.
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { BLENDSHAPE_NAMES } from '../src/geometry/features/blendshapes';
import { FileTokenStore, VTubeStudioOutput } from '../src/outputs/vtube-studio';
import type { TrackingFrame } from '../src/tracking/types';
import { noFaceFrame, randomFaceFrame } from './helpers/output-test-frame';
import { seededRandom } from './helpers/random';
import { sleep, waitUntil } from './helpers/wait';

/** VTS default input parameters the plugin may set, with the range each value must lie in. */
const VTS_DEFAULT_INPUTS: Record<string, [number, number]> = {
  FaceAngleX: [-90, 90],
  FaceAngleY: [-90, 90],
  FaceAngleZ: [-90, 90],
  FacePositionX: [-100, 100],
  FacePositionY: [-100, 100],
  FacePositionZ: [-100, 100],
  EyeOpenLeft: [0, 1],
  EyeOpenRight: [0, 1],
  EyeLeftX: [-1, 1],
  EyeLeftY: [-1, 1],
  EyeRightX: [-1, 1],
  EyeRightY: [-1, 1],
  MouthOpen: [0, 1],
  MouthSmile: [0, 1],
  MouthX: [-1, 1],
  CheekPuff: [0, 1],
  TongueOut: [0, 1],
  Brows: [0, 1],
  BrowLeftY: [0, 1],
  BrowRightY: [0, 1],
};

/** The custom parameter each ARKit blend shape should arrive as ("VTLink" + capitalised ARKit name). */
const CUSTOM_OF: Record<string, string> = Object.fromEntries(BLENDSHAPE_NAMES.map((n) => [n, `VTLink${n[0].toUpperCase()}${n.slice(1)}`]));
const CUSTOM_NAMES = Object.values(CUSTOM_OF);

interface Injection {
  at: number;
  /** 1-based index of the connection it came on. */
  connection: number;
  faceFound: unknown;
  values: Record<string, number>;
}

interface Creation {
  connection: number;
  name: string;
  min: number;
  max: number;
  defaultValue: number;
  explanation: unknown;
}

interface CustomParameter {
  min: number;
  max: number;
  defaultValue: number;
  plugin: string;
}

/** A stand-in for VTube Studio's plugin API server. */
class FakeVts {
  readonly server: WebSocketServer;
  readonly violations: string[] = [];
  readonly injections: Injection[] = [];
  readonly authRequests: { token: string; ok: boolean }[] = [];
  readonly validTokens = new Map<string, string>(); // token -> plugin name + developer
  /** Every ParameterCreationRequest VTS accepted or refused, valid or not. */
  readonly creations: Creation[] = [];
  /** The custom parameters VTS has (kept across connections, like VTS's custom_parameters.json). */
  readonly customParams = new Map<string, CustomParameter>();
  /** Injections refused because they named a parameter VTS does not have. */
  notFound = 0;
  tokenRequests = 0;
  connections = 0;
  deny = false;
  /** Answers a ParameterCreationRequest with this APIError instead of creating the parameter. */
  refuseCreation: ((name: string) => { errorID: number; message: string } | null) | null = null;
  /** Answers creations with success but keeps nothing (as if the user deleted them at once). */
  forgetCreations = false;
  /** An injection of an unknown parameter is refused (error 453) either way; unless set, it is also a violation. */
  unknownParamsExpected = false;
  /** Holds back the answers to refused injections until releaseNotFound(): lets several be in flight. */
  holdNotFound = false;
  private readonly heldNotFound: (() => void)[] = [];
  private readonly sessions = new Map<WebSocket, { authenticated: boolean; plugin: string; connection: number }>();
  private tokenCounter = 0;

  private constructor(server: WebSocketServer) {
    this.server = server;
    server.on('connection', (ws) => {
      this.connections++;
      this.sessions.set(ws, { authenticated: false, plugin: '', connection: this.connections });
      ws.on('close', () => this.sessions.delete(ws));
      ws.on('message', (raw, isBinary) => {
        if (isBinary) this.violations.push('binary message (VTS recommends text)');
        this.handle(ws, raw.toString());
      });
    });
  }

  static async start(): Promise<FakeVts> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    return new FakeVts(server);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** VTS closed or crashed: every plugin connection drops. */
  dropAll(): void {
    for (const ws of this.sessions.keys()) ws.terminate();
  }

  /**
   * The user revokes the plugin in VTS: tokens stop working, sessions lose their authentication,
   * and the custom parameters plugins created are deleted (README: "If you revoke the
   * authentication token from a plugin, all custom parameters that this plugin create will also be
   * deleted").
   */
  revokeAll(): void {
    this.validTokens.clear();
    this.customParams.clear();
    for (const session of this.sessions.values()) session.authenticated = false;
  }

  releaseNotFound(): void {
    this.holdNotFound = false;
    for (const send of this.heldNotFound.splice(0)) send();
  }

  creationsOn(connection: number): Creation[] {
    return this.creations.filter((c) => c.connection === connection);
  }

  /**
   * Resolves once every plugin connection has answered a ping. The plugin's pong travels behind
   * everything it sent before it read the ping, so by then every injection it had sent is recorded.
   */
  async sync(): Promise<void> {
    const pongs = [...this.sessions.keys()].map(
      (ws) =>
        new Promise<void>((resolve, reject) => {
          ws.once('pong', () => resolve());
          ws.once('close', () => reject(new Error('the plugin connection closed before its pong')));
          ws.ping();
        }),
    );
    await Promise.all(pongs);
  }

  async stop(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private reply(ws: WebSocket, requestID: string, messageType: string, data: object): void {
    ws.send(JSON.stringify({ apiName: 'VTubeStudioPublicAPI', apiVersion: '1.0', timestamp: Date.now(), requestID, messageType, data }));
  }

  private error(ws: WebSocket, requestID: string, errorID: number, message: string): void {
    this.reply(ws, requestID, 'APIError', { errorID, message });
  }

  private handle(ws: WebSocket, text: string): void {
    const bad = (why: string): void => {
      this.violations.push(`${why}: ${text.slice(0, 200)}`);
    };
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(text) as Record<string, unknown>;
    } catch {
      bad('not JSON');
      return;
    }
    const { apiName, apiVersion, requestID, messageType } = msg;
    const data = (msg.data ?? {}) as Record<string, unknown>;
    if (apiName !== 'VTubeStudioPublicAPI') bad('apiName');
    if (apiVersion !== '1.0') bad('apiVersion');
    if (typeof requestID !== 'string' || !/^[\x20-\x7e]{1,64}$/.test(requestID)) bad('requestID');
    const id = String(requestID);
    const session = this.sessions.get(ws)!;
    const pluginOk = (): boolean => {
      const okName = typeof data.pluginName === 'string' && data.pluginName.length >= 3 && data.pluginName.length <= 32;
      const okDev = typeof data.pluginDeveloper === 'string' && data.pluginDeveloper.length >= 3 && data.pluginDeveloper.length <= 32;
      if (!okName || !okDev) bad('plugin name/developer');
      return okName && okDev;
    };
    switch (messageType) {
      case 'APIStateRequest':
        this.reply(ws, id, 'APIStateResponse', { active: true, vTubeStudioVersion: '1.28.0', currentSessionAuthenticated: session.authenticated });
        return;
      case 'AuthenticationTokenRequest': {
        this.tokenRequests++;
        if (!pluginOk()) return;
        if (data.pluginIcon !== undefined && typeof data.pluginIcon !== 'string') bad('pluginIcon');
        if (this.deny) {
          this.error(ws, id, 50, 'User has denied API access for your plugin.');
          return;
        }
        const token = `token-${++this.tokenCounter}-${'x'.repeat(20)}`;
        this.validTokens.set(token, `${String(data.pluginName)}/${String(data.pluginDeveloper)}`);
        this.reply(ws, id, 'AuthenticationTokenResponse', { authenticationToken: token });
        return;
      }
      case 'AuthenticationRequest': {
        if (!pluginOk()) return;
        const token = data.authenticationToken;
        if (typeof token !== 'string') {
          this.error(ws, id, 100, 'token missing');
          return;
        }
        const plugin = `${String(data.pluginName)}/${String(data.pluginDeveloper)}`;
        const ok = this.validTokens.get(token) === plugin;
        this.authRequests.push({ token, ok });
        session.authenticated = ok;
        session.plugin = ok ? plugin : '';
        this.reply(ws, id, 'AuthenticationResponse', { authenticated: ok, reason: ok ? 'Token valid.' : 'Token invalid.' });
        return;
      }
      case 'InjectParameterDataRequest': {
        if (!session.authenticated) {
          this.error(ws, id, 8, 'Request requires authentication.');
          return;
        }
        if (data.mode !== 'set') bad('mode');
        if (typeof data.faceFound !== 'boolean') bad('faceFound');
        const list = data.parameterValues;
        if (!Array.isArray(list) || list.length === 0) {
          this.error(ws, id, 450, 'no data');
          return;
        }
        const values: Record<string, number> = {};
        let unknown: string | null = null;
        for (const item of list as { id?: unknown; value?: unknown; weight?: unknown }[]) {
          const pid = String(item.id);
          const custom = this.customParams.get(pid);
          // A custom parameter's min/max are only mapping defaults in VTS; ours promise 0..1.
          const range = VTS_DEFAULT_INPUTS[pid] ?? (custom ? [custom.min, custom.max] : undefined);
          if (!range) unknown ??= pid;
          if (pid in values) bad(`duplicate parameter ${pid}`);
          if (typeof item.value !== 'number' || !Number.isFinite(item.value)) bad(`value of ${pid}`);
          else if (range && (item.value < range[0] || item.value > range[1])) bad(`${pid}=${item.value} out of range`);
          if (item.weight !== undefined) bad('weight sent');
          values[pid] = Number(item.value);
        }
        if (unknown !== null) {
          // VTS refuses the whole request when one parameter does not exist.
          this.notFound++;
          if (!this.unknownParamsExpected) bad(`unknown parameter ${unknown}`);
          const answer = (): void => this.error(ws, id, 453, `Parameter ${unknown} not found.`);
          if (this.holdNotFound) this.heldNotFound.push(answer);
          else answer();
          return;
        }
        this.injections.push({ at: performance.now(), connection: session.connection, faceFound: data.faceFound, values });
        this.reply(ws, id, 'InjectParameterDataResponse', {});
        return;
      }
      case 'ParameterCreationRequest': {
        if (!session.authenticated) {
          this.error(ws, id, 8, 'Request requires authentication.');
          return;
        }
        const { parameterName: name, explanation, min, max, defaultValue } = data;
        const number = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= 1_000_000;
        this.creations.push({ connection: session.connection, name: String(name), min: Number(min), max: Number(max), defaultValue: Number(defaultValue), explanation });
        if (typeof name !== 'string' || !/^[A-Za-z0-9]{4,32}$/.test(name)) {
          bad(`parameterName ${String(name)}`);
          this.error(ws, id, 350, 'Parameter name invalid.');
          return;
        }
        if (!number(min) || !number(max) || !number(defaultValue)) {
          bad(`values of ${name}`);
          this.error(ws, id, 351, 'Parameter values invalid.');
          return;
        }
        if (explanation !== undefined && (typeof explanation !== 'string' || explanation.length >= 256)) {
          bad(`explanation of ${name}`);
          this.error(ws, id, 353, 'Explanation too long.');
          return;
        }
        if (name in VTS_DEFAULT_INPUTS) {
          bad(`custom parameter named like a default one: ${name}`);
          this.error(ws, id, 354, 'Default parameter names are not allowed.');
          return;
        }
        const refusal = this.refuseCreation?.(name) ?? null;
        const owner = this.customParams.get(name)?.plugin;
        if (refusal) {
          this.error(ws, id, refusal.errorID, refusal.message);
          return;
        }
        if (owner !== undefined && owner !== session.plugin) {
          this.error(ws, id, 352, `Parameter ${name} was created by another plugin.`);
          return;
        }
        if (!this.forgetCreations) this.customParams.set(name, { min, max, defaultValue, plugin: session.plugin });
        this.reply(ws, id, 'ParameterCreationResponse', { parameterName: name });
        return;
      }
      default:
        bad(`unexpected messageType ${String(messageType)}`);
    }
  }
}

/** The mapping documented in src/outputs/vtube-studio/parameters.ts, written out plainly. */
function expectedValues(frame: TrackingFrame): Record<string, number> {
  const f = frame.face!;
  const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
  const { yaw, pitch, roll, translationMm } = f.pose;
  return {
    FaceAngleX: clamp(yaw, -90, 90),
    FaceAngleY: clamp(pitch, -90, 90),
    FaceAngleZ: clamp(-roll, -90, 90),
    FacePositionX: clamp(-translationMm[0] / 10, -100, 100),
    FacePositionY: clamp(-translationMm[1] / 10, -100, 100),
    FacePositionZ: clamp((600 - translationMm[2]) / 10, -100, 100),
    EyeOpenLeft: f.eyes.left,
    EyeOpenRight: f.eyes.right,
    EyeLeftX: clamp((f.gaze.left.yaw - yaw) / 30, -1, 1),
    EyeLeftY: clamp((f.gaze.left.pitch - pitch) / 30, -1, 1),
    EyeRightX: clamp((f.gaze.right.yaw - yaw) / 30, -1, 1),
    EyeRightY: clamp((f.gaze.right.pitch - pitch) / 30, -1, 1),
    MouthOpen: f.mouth.open,
    MouthSmile: (f.blendshapes.mouthSmileLeft + f.blendshapes.mouthSmileRight) / 2,
    MouthX: clamp((f.blendshapes.mouthLeft ?? 0) - (f.blendshapes.mouthRight ?? 0), -1, 1),
    Brows: (f.brows.left + f.brows.right) / 2,
    BrowLeftY: f.brows.left,
    BrowRightY: f.brows.right,
  };
}

/**
 * The injection carries the default parameters mapped from `frame` and, for each custom parameter
 * it carries (all 52 when `allCustom`), the frame's ARKit value (clamped to 0..1, 0 when absent).
 */
function expectInjectionOf(injection: Injection, frame: TrackingFrame, allCustom = false): void {
  const want = expectedValues(frame);
  const ids = Object.keys(injection.values);
  expect(ids.filter((id) => !CUSTOM_NAMES.includes(id)).sort()).toEqual(Object.keys(want).sort());
  for (const [id, value] of Object.entries(want)) expect(injection.values[id], id).toBeCloseTo(value, 3);
  for (const shape of BLENDSHAPE_NAMES) {
    const id = CUSTOM_OF[shape];
    if (!(id in injection.values)) {
      if (allCustom) expect.fail(`${id} missing from the injection`);
      continue;
    }
    const v = frame.face!.blendshapes[shape];
    const expected = typeof v === 'number' && Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
    expect(injection.values[id], id).toBeCloseTo(expected, 3);
  }
  expect(injection.faceFound).toBe(true);
}

/** How many of the 52 custom parameters an injection carries. */
const customsIn = (injection: Injection | undefined): number => (injection ? CUSTOM_NAMES.filter((id) => id in injection.values).length : 0);

/** A face frame with a value for every one of the 52 ARKit blend shapes. */
function fullFaceFrame(rand: () => number, index: number): TrackingFrame {
  const frame = randomFaceFrame(rand, index);
  for (const shape of BLENDSHAPE_NAMES) frame.face!.blendshapes[shape] = rand();
  return frame;
}

const stateRoot = mkdtempSync(path.join(tmpdir(), 'vtlink-vts-'));
let dirCounter = 0;
const freshStateDir = (): string => path.join(stateRoot, `state-${++dirCounter}`);

let fake: FakeVts | null = null;
const outputs: VTubeStudioOutput[] = [];

function startOutput(stateDir: string, extra: Partial<ConstructorParameters<typeof VTubeStudioOutput>[0]> = {}): VTubeStudioOutput {
  const output = new VTubeStudioOutput({
    url: fake!.url,
    tokenStore: new FileTokenStore(stateDir),
    pluginName: 'vtlink test',
    pluginDeveloper: 'vtlink tests',
    rateHz: 50,
    backoff: { initialMs: 50, maxMs: 200 },
    ...extra,
  });
  outputs.push(output);
  return output;
}

afterEach(async () => {
  for (const o of outputs.splice(0)) await o.close();
  if (fake) {
    expect(fake.violations).toEqual([]);
    await fake.stop();
  }
  fake = null;
});

afterAll(() => rmSync(stateRoot, { recursive: true, force: true }));

describe('VTube Studio output', () => {
  it('asks for a token on first run, saves it, authenticates and injects the mapped values', async () => {
    fake = await FakeVts.start();
    const dir = freshStateDir();
    const output = startOutput(dir);
    await waitUntil(() => output.state().status === 'sending', 'sending');
    expect(fake.tokenRequests).toBe(1);
    const token = [...fake.validTokens.keys()][0];
    expect(readFileSync(path.join(dir, 'vtube-studio.token'), 'utf8').trim()).toBe(token);
    expect(fake.authRequests).toEqual([{ token, ok: true }]);

    const rand = seededRandom(21);
    for (let k = 0; k < 5; k++) {
      const frame = randomFaceFrame(rand, k);
      const before = fake.injections.length;
      output.send(frame);
      await waitUntil(() => fake!.injections.length > before, 'an injection');
      expectInjectionOf(fake.injections[fake.injections.length - 1], frame);
    }
    // Extremes are clamped into the parameters' ranges (the server flags anything outside).
    const wild = randomFaceFrame(rand, 9);
    wild.face!.pose.yaw = 170;
    wild.face!.pose.translationMm = [5000, -5000, Number.NaN];
    wild.face!.eyes.left = 1.4;
    const before = fake.injections.length;
    output.send(wild);
    await waitUntil(() => fake!.injections.length > before, 'an injection');
    const last = fake.injections[fake.injections.length - 1].values;
    expect(last).toMatchObject({ FaceAngleX: 90, FacePositionX: -100, FacePositionY: 100, FacePositionZ: 0, EyeOpenLeft: 1 });
    await waitUntil(() => output.state().framesSent >= 6, 'responses counted');
  });

  it('re-sends unchanged values while no new frame comes, and stops when the face is lost', async () => {
    fake = await FakeVts.start();
    const output = startOutput(freshStateDir(), { holdMs: 60_000 });
    await waitUntil(() => output.state().status === 'sending', 'sending');
    const frame = randomFaceFrame(seededRandom(8), 0);
    output.send(frame);
    await waitUntil(() => fake!.injections.length >= 5, 'five injections');
    const sent = fake.injections.slice(0, 5);
    for (const injection of sent) expectInjectionOf(injection, frame);
    // How often (keepaliveMs after the last injection) is checked on an injected clock below.

    output.send(noFaceFrame(1));
    await fake.sync(); // every injection sent before the face was lost has arrived
    const afterLoss = fake.injections.length;
    await sleep(1200); // three keepalive periods
    expect(fake.injections.length).toBe(afterLoss);
  });

  it('keepalive on an injected clock: re-sends keepaliveMs after the last injection, within holdMs of the last frame', async () => {
    fake = await FakeVts.start();
    let nowMs = 1000;
    let clockReads = 0;
    const clock = (): number => {
      clockReads++;
      return nowMs;
    };
    const output = startOutput(freshStateDir(), { keepaliveMs: 400, holdMs: 3000, nowMs: clock });
    await waitUntil(() => output.state().status === 'sending', 'sending');
    const injected = (): number => fake!.injections.length;
    // The keepalive timer reads the clock on each check while it holds a face (and nothing else
    // reads it while no frame is sent): wait for a few checks at the current time, then for
    // anything they sent to arrive.
    const checksAtThisTime = async (): Promise<void> => {
      const start = clockReads;
      await waitUntil(() => clockReads >= start + 3, 'three keepalive checks');
      await fake!.sync();
    };

    const frame = randomFaceFrame(seededRandom(13), 0);
    output.send(frame); // at 1000: injected at once
    await waitUntil(() => injected() === 1, 'the first injection');
    expectInjectionOf(fake.injections[0], frame);

    nowMs = 1399;
    await checksAtThisTime();
    expect(injected()).toBe(1);
    nowMs = 1400; // keepaliveMs after the last injection
    await waitUntil(() => injected() === 2, 'a keepalive injection');
    expectInjectionOf(fake.injections[1], frame);
    await checksAtThisTime();
    expect(injected()).toBe(2); // the keepalive counts from the injection it just made

    nowMs = 4000; // holdMs after the last frame: still held
    await waitUntil(() => injected() === 3, 'a keepalive injection at the end of the hold');
    nowMs = 4401; // past the hold: the face is no longer re-sent
    await checksAtThisTime();
    expect(injected()).toBe(3);

    const next = randomFaceFrame(seededRandom(14), 1);
    output.send(next); // a new frame: injected at once, and held again from now
    await waitUntil(() => injected() === 4, 'the new frame');
    expectInjectionOf(fake.injections[3], next);
    nowMs = 4801;
    await waitUntil(() => injected() === 5, 'a keepalive injection of the new frame');
    expectInjectionOf(fake.injections[4], next);
  });

  it('limits injections to the rate, the last one carrying the latest frame', async () => {
    fake = await FakeVts.start();
    const output = startOutput(freshStateDir(), { rateHz: 10 });
    await waitUntil(() => output.state().status === 'sending', 'sending');
    const rand = seededRandom(99);
    const frames = Array.from({ length: 200 }, (_, k) => randomFaceFrame(rand, k));
    for (const f of frames) output.send(f);
    const last = expectedValues(frames[199]);
    await waitUntil(() => fake!.injections.some((i) => Math.abs(i.values.FaceAngleX - last.FaceAngleX) < 1e-3), 'the latest frame');
    expect(fake.injections.length).toBeLessThanOrEqual(3); // the first frame, then the latest
    expectInjectionOf(fake.injections[0], frames[0]);
    expectInjectionOf(fake.injections[fake.injections.length - 1], frames[199]);
  });

  it('reconnects after the connection drops and re-authenticates with the saved token', async () => {
    fake = await FakeVts.start();
    const dir = freshStateDir();
    const output = startOutput(dir);
    await waitUntil(() => output.state().status === 'sending', 'sending');
    const rand = seededRandom(4);
    output.send(randomFaceFrame(rand, 0));
    await waitUntil(() => fake!.injections.length > 0, 'an injection');

    fake.dropAll();
    await waitUntil(() => output.state().status === 'no-listener', 'no-listener');
    expect(() => output.send(randomFaceFrame(rand, 1))).not.toThrow();
    await waitUntil(() => output.state().status === 'sending', 'sending again');
    expect(fake.connections).toBeGreaterThanOrEqual(2);
    expect(fake.tokenRequests).toBe(1); // the user is not asked again
    expect(fake.authRequests.length).toBe(2);
    expect(fake.authRequests.every((a) => a.ok)).toBe(true);

    const frame = randomFaceFrame(rand, 2);
    await fake.sync(); // an injection of the previous frame may still be on its way
    const before = fake.injections.length;
    output.send(frame);
    await waitUntil(() => fake!.injections.length > before, 'an injection after reconnecting');
    expectInjectionOf(fake.injections[fake.injections.length - 1], frame);

    // A second run of the service (a new output on the same state directory) uses the saved token.
    await output.close();
    const again = startOutput(dir);
    await waitUntil(() => again.state().status === 'sending', 'sending');
    expect(fake.tokenRequests).toBe(1);
  });

  it('asks for a new token when the saved one is revoked, between sessions and mid-session', async () => {
    fake = await FakeVts.start();
    const dir = freshStateDir();
    const tokenFile = path.join(dir, 'vtube-studio.token');
    const output = startOutput(dir);
    await waitUntil(() => output.state().status === 'sending', 'sending');
    const first = readFileSync(tokenFile, 'utf8').trim();

    // Revoked while disconnected: the saved token is refused on reconnect, a new one is requested.
    fake.revokeAll();
    fake.dropAll();
    await waitUntil(() => fake!.tokenRequests === 2 && output.state().status === 'sending', 'a second token');
    const second = readFileSync(tokenFile, 'utf8').trim();
    expect(second).not.toBe(first);
    expect(fake.authRequests.map((a) => a.ok)).toEqual([true, false, true]);

    // Revoked mid-session: the next injection is refused, the output authenticates again.
    const rand = seededRandom(6);
    fake.revokeAll();
    output.send(randomFaceFrame(rand, 0));
    await waitUntil(() => fake!.tokenRequests === 3 && output.state().status === 'sending', 'a third token');
    expect(readFileSync(tokenFile, 'utf8').trim()).not.toBe(second);
    // Revoking deleted the custom parameters; the new session creates them again and sends them.
    await waitUntil(() => fake!.customParams.size === 52, 'the custom parameters created again');
    const frame = fullFaceFrame(rand, 1);
    await fake.sync(); // a keepalive of the previous frame may still be on its way
    const before = fake.injections.length;
    output.send(frame);
    await waitUntil(() => fake!.injections.length > before && customsIn(fake!.injections.at(-1)) === 52, 'an injection with the new token');
    expectInjectionOf(fake.injections[fake.injections.length - 1], frame, true);
    expect(output.state().errors).toBeGreaterThanOrEqual(1);
  });

  it('creates the 52 ARKit blend shapes as custom parameters once per session and injects each tracked value', async () => {
    fake = await FakeVts.start();
    const output = startOutput(freshStateDir(), { holdMs: 60_000 });
    await waitUntil(() => fake!.customParams.size === 52, 'the custom parameters');
    const made = fake.creationsOn(1);
    expect(new Set(CUSTOM_NAMES).size).toBe(52);
    expect(made.map((c) => c.name).sort()).toEqual([...CUSTOM_NAMES].sort());
    for (const c of made) {
      expect(c.name).toMatch(/^[A-Za-z0-9]{4,32}$/);
      expect([c.min, c.max, c.defaultValue], c.name).toEqual([0, 1, 0]);
      expect(typeof c.explanation === 'string' && c.explanation.length > 0 && c.explanation.length < 256, c.name).toBe(true);
    }

    const rand = seededRandom(31);
    for (let k = 0; k < 4; k++) {
      const frame = fullFaceFrame(rand, k);
      await fake.sync(); // a keepalive of the previous frame may still be on its way
      const before = fake.injections.length;
      output.send(frame);
      await waitUntil(() => fake!.injections.length > before && customsIn(fake!.injections.at(-1)) === 52, 'an injection with all 52');
      expectInjectionOf(fake.injections[fake.injections.length - 1], frame, true);
    }
    // Out of range, not a number, or not made by the tracker: clamped to 0..1, or the rest value 0.
    const odd = fullFaceFrame(rand, 5);
    odd.face!.blendshapes.jawOpen = 1.7;
    odd.face!.blendshapes.eyeBlinkLeft = -0.3;
    odd.face!.blendshapes.cheekPuff = Number.NaN;
    delete odd.face!.blendshapes.tongueOut;
    await fake.sync();
    const before = fake.injections.length;
    output.send(odd);
    await waitUntil(() => fake!.injections.length > before, 'an injection');
    const last = fake.injections[fake.injections.length - 1];
    expect(last.values).toMatchObject({ VTLinkJawOpen: 1, VTLinkEyeBlinkLeft: 0, VTLinkCheekPuff: 0, VTLinkTongueOut: 0 });
    expectInjectionOf(last, odd, true);

    // Keepalives go on (the face is held); nothing is created a second time in this session.
    const injected = fake.injections.length;
    await waitUntil(() => fake!.injections.length >= injected + 2, 'two keepalives');
    await fake.sync();
    expect(fake.creations).toHaveLength(52);
  });

  it('a custom parameter VTS refuses is left out and logged once; the rest and the defaults keep going, nothing is asked again', async () => {
    fake = await FakeVts.start();
    const refused = new Set(['VTLinkJawOpen', 'VTLinkTongueOut']);
    fake.refuseCreation = (name) => (refused.has(name) ? { errorID: 352, message: `Parameter ${name} already created by another plugin.` } : null);
    const warnings: string[] = [];
    const output = startOutput(freshStateDir(), { holdMs: 60_000, log: { warn: (m) => warnings.push(m) } });
    await waitUntil(() => fake!.customParams.size === 50 && /2 of 52/.test(output.state().detail ?? ''), 'the refusals reported');
    expect(output.state().status).toBe('sending');
    expect(output.state().errors).toBe(2);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/VTLink(JawOpen|TongueOut)/);

    const rand = seededRandom(41);
    const frame = fullFaceFrame(rand, 0);
    output.send(frame);
    await waitUntil(() => customsIn(fake!.injections.at(-1)) === 50, 'an injection with the 50 created');
    const last = fake.injections[fake.injections.length - 1];
    expectInjectionOf(last, frame);
    for (const name of refused) expect(last.values).not.toHaveProperty(name);
    // Held for several keepalives: no request storm, no new creation request, no new warning.
    const injected = fake.injections.length;
    await waitUntil(() => fake!.injections.length >= injected + 3, 'three keepalives');
    await fake.sync();
    expect(fake.creations).toHaveLength(52);
    expect(warnings).toHaveLength(1);
    expect(fake.notFound).toBe(0);

    // VTS's limit of custom parameters reached: every creation refused, the defaults alone go on.
    await output.close(); // it still injects the 50 it created
    fake.refuseCreation = () => ({ errorID: 356, message: 'Too many custom parameters in total.' });
    fake.customParams.clear();
    const full: string[] = [];
    const other = startOutput(freshStateDir(), { holdMs: 60_000, log: { warn: (m) => full.push(m) } });
    await waitUntil(() => /52 of 52/.test(other.state().detail ?? ''), 'all refusals reported');
    expect(other.state().status).toBe('sending');
    const second = fake.connections;
    const next = fullFaceFrame(rand, 1);
    other.send(next);
    await waitUntil(() => fake!.injections.filter((i) => i.connection === second).length >= 3, 'three injections');
    await fake.sync();
    for (const i of fake.injections.filter((i) => i.connection === second)) {
      expect(customsIn(i)).toBe(0);
      expectInjectionOf(i, next);
    }
    expect(fake.creationsOn(second)).toHaveLength(52);
    expect(full).toHaveLength(1);
  });

  it('creates the custom parameters again after reconnecting', async () => {
    fake = await FakeVts.start();
    const output = startOutput(freshStateDir());
    await waitUntil(() => fake!.customParams.size === 52, 'the custom parameters');
    const rand = seededRandom(51);
    output.send(fullFaceFrame(rand, 0));
    await waitUntil(() => customsIn(fake!.injections.at(-1)) === 52, 'an injection with all 52');

    fake.dropAll();
    await waitUntil(() => fake!.connections >= 2 && output.state().status === 'sending', 'sending again');
    const connection = fake.connections;
    await waitUntil(() => fake!.creationsOn(connection).length === 52, 'the creations of the new session');
    expect(fake.creationsOn(connection).map((c) => c.name).sort()).toEqual([...CUSTOM_NAMES].sort());
    const frame = fullFaceFrame(rand, 1);
    await fake.sync(); // a keepalive of the previous frame may still be on its way
    const before = fake.injections.length;
    output.send(frame);
    await waitUntil(() => {
      if (fake!.injections.length <= before) return false;
      const last = fake!.injections.at(-1);
      return last !== undefined && last.connection === connection && customsIn(last) === 52;
    }, 'an injection with all 52 after reconnecting');
    expectInjectionOf(fake.injections[fake.injections.length - 1], frame, true);
    expect(fake.creations).toHaveLength(52 * connection);
  });

  it('custom parameters VTS lost mid-session are created again once, then left out until the next session', async () => {
    fake = await FakeVts.start();
    fake.unknownParamsExpected = true;
    const warnings: string[] = [];
    const output = startOutput(freshStateDir(), { holdMs: 60_000, log: { warn: (m) => warnings.push(m) } });
    await waitUntil(() => fake!.customParams.size === 52, 'the custom parameters');
    const rand = seededRandom(61);
    const frame = fullFaceFrame(rand, 0);
    output.send(frame);
    await waitUntil(() => customsIn(fake!.injections.at(-1)) === 52, 'an injection with all 52');

    // The user deletes them in VTS: the next injection is refused, they are created again. Two
    // injections are refused before the plugin hears of the first: the second refusal is about
    // the same loss, not a new one.
    fake.holdNotFound = true;
    fake.customParams.clear();
    output.send(fullFaceFrame(rand, 1));
    await waitUntil(() => fake!.notFound === 1, 'a refused injection');
    output.send(frame);
    await waitUntil(() => fake!.notFound === 2, 'a second refused injection');
    fake.releaseNotFound();
    await waitUntil(() => fake!.creations.length === 104 && fake!.customParams.size === 52, 'created again');
    const count = fake.injections.length;
    await waitUntil(() => fake!.injections.length > count && customsIn(fake!.injections.at(-1)) === 52, 'all 52 injected again');
    expectInjectionOf(fake.injections[fake.injections.length - 1], frame, true);

    // Lost again in the same session: not created a third time; the defaults go on without them.
    fake.customParams.clear();
    const refusedBefore = fake.notFound;
    await waitUntil(() => fake!.notFound > refusedBefore, 'a refused injection');
    const resumed = fake.injections.length;
    await waitUntil(() => fake!.injections.length >= resumed + 3, 'three injections after the loss');
    await fake.sync();
    const settled = fake.notFound;
    const last = fake.injections[fake.injections.length - 1];
    expect(customsIn(last)).toBe(0);
    expectInjectionOf(last, frame);
    const injected = fake.injections.length;
    await waitUntil(() => fake!.injections.length >= injected + 2, 'two more keepalives');
    await fake.sync();
    expect(fake.notFound).toBe(settled); // no injection naming a missing parameter any more
    expect(fake.creations).toHaveLength(104);
    expect(output.state().status).toBe('sending');
    expect(warnings).toHaveLength(1);

    // A new session starts over: created and sent again.
    fake.dropAll();
    await waitUntil(() => fake!.connections === 2 && fake!.customParams.size === 52, 'created in the new session');
    await waitUntil(() => customsIn(fake!.injections.at(-1)) === 52, 'all 52 injected in the new session');
    expectInjectionOf(fake.injections[fake.injections.length - 1], frame, true);
  });

  it('reports a denied plugin as an error and keeps running', async () => {
    fake = await FakeVts.start();
    fake.deny = true;
    const output = startOutput(freshStateDir(), { deniedRetryMs: 60_000 });
    await waitUntil(() => output.state().status === 'error', 'error');
    expect(output.state().detail).toMatch(/denied/);
    expect(() => output.send(randomFaceFrame(seededRandom(1), 0))).not.toThrow();
    expect(fake.injections.length).toBe(0);
  });

  it('reports no-listener when VTube Studio is not running, and close() is idempotent', async () => {
    const probe = await FakeVts.start();
    const url = probe.url;
    await probe.stop(); // the port is now closed
    const output = new VTubeStudioOutput({ url, tokenStore: new FileTokenStore(freshStateDir()), backoff: { initialMs: 50, maxMs: 100 } });
    await waitUntil(() => /reconnecting in/.test(output.state().detail ?? ''), 'a failed connect');
    expect(output.state().status).toBe('no-listener');
    expect(() => output.send(randomFaceFrame(seededRandom(2), 0))).not.toThrow();
    await output.close();
    await output.close();
    expect(output.state().status).toBe('off');
  });
});
