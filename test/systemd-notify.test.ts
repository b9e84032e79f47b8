/**
 * `vtlink run` under the sd_notify protocol, for real: the bundled CLI in a child process, a real
 * AF_UNIX datagram NOTIFY_SOCKET (python3 receiver), WATCHDOG_USEC set, and a real stall: the
 * camera is a GStreamer pipeline reading raw frames from a FIFO that ffmpeg writes at the video's
 * rate; SIGSTOP on that writer starves the pipeline exactly as a hung camera would. A stop that
 * outlasts its hard-exit deadline (VTLINK_HARD_EXIT_MS, set short on purpose) still ends the process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep, waitUntil } from './helpers/wait';
import { bundleCli, dataFile, NotifyReceiver } from './service-harness';

const WATCHDOG_USEC = 1_000_000; // pings every 500 ms
/**
 * The services' hard-exit deadline (VTLINK_HARD_EXIT_MS): generous, so that a slow machine's clean
 * stop (during a stall it waits out the 500 ms stream-stop grace) is never taken for a blocked one;
 * a stop that truly hangs still ends by the hard exit, which the tests see as a failed stop.
 */
const HARD_EXIT_MS = '15000';
let cli: string;
let dir: string;
const children: ChildProcess[] = [];
const receivers: NotifyReceiver[] = [];

beforeAll(async () => {
  cli = await bundleCli('systemd-notify');
  dir = await mkdtemp(path.join(tmpdir(), 'vtlink-systemd-'));
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const r of receivers) r.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Service {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function startService(name: string, source: string, env: Record<string, string>): Service {
  const child = spawn(process.execPath, [cli, 'run', '--state-dir', path.join(dir, name, 'state'), '--source', source, '--port', '0'], {
    env: { ...process.env, WATCHDOG_USEC: String(WATCHDOG_USEC), VTLINK_HARD_EXIT_MS: HARD_EXIT_MS, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, stderr: () => err, exited };
}

/** ffmpeg writing franck.mp4 as raw RGB into `fifo` at its own frame rate, for ever. */
function startWriter(fifo: string): ChildProcess {
  const video = dataFile('video/franck.mp4');
  const writer = spawn('ffmpeg', ['-v', 'error', '-re', '-stream_loop', '-1', '-i', video, '-an', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-y', fifo], { stdio: 'ignore' });
  children.push(writer);
  return writer;
}

async function stopService(service: Service, receiver: NotifyReceiver): Promise<void> {
  const before = receiver.messages.length;
  const t0 = performance.now();
  service.child.kill('SIGTERM');
  const { code, signal } = await service.exited;
  const elapsed = performance.now() - t0;
  await receiver.waitFor(() => receiver.with('STOPPING').length > 0, 'STOPPING=1', 10_000);
  console.log(`SIGTERM to exit: ${elapsed.toFixed(0)} ms`);
  expect({ code, signal }).toEqual({ code: 0, signal: null });
  // A clean exit, not the hard exit: the cleanup finished by itself.
  expect(service.stderr()).not.toContain('took too long');
  const after = receiver.messages.slice(before);
  expect(after.map((m) => m.text)).toContain('STOPPING=1\nSTATUS=stopping');
  // Nothing claims progress after STOPPING=1.
  const stoppingAt = receiver.with('STOPPING')[0].seq;
  expect(receiver.with('WATCHDOG').filter((m) => m.seq > stoppingAt)).toEqual([]);
}

/** A service tracking from a FIFO whose writer was then frozen (SIGSTOP), once its pings have stopped for 2 s. */
async function stalledService(name: string, hardExitMs: string): Promise<{ service: Service; receiver: NotifyReceiver; writer: ChildProcess }> {
  const fifo = path.join(dir, `${name}.fifo`);
  execFileSync('mkfifo', [fifo]);
  const receiver = await NotifyReceiver.listen(path.join(dir, `notify-${name}.sock`));
  receivers.push(receiver);
  const writer = startWriter(fifo);
  const pipeline = `gst:filesrc location=${fifo} ! rawvideoparse width=360 height=288 format=rgb framerate=24/1 ! videoconvert`;
  const service = startService(name, pipeline, { NOTIFY_SOCKET: receiver.socketPath, VTLINK_HARD_EXIT_MS: hardExitMs });
  await receiver.waitFor(() => receiver.with('WATCHDOG').length >= 2, 'pings while tracking', 60_000);
  writer.kill('SIGSTOP');
  await receiver.waitFor(() => Date.now() - receiver.with('WATCHDOG').slice(-1)[0].at > 2000, 'the stall', 30_000);
  return { service, receiver, writer };
}

describe('vtlink run speaks sd_notify', () => {
  it('READY=1 after the first tracked frame, STATUS= updates, WATCHDOG=1 only while frames flow, STOPPING=1 and exit 0 on SIGTERM', async () => {
    const fifo = path.join(dir, 'camera.fifo');
    execFileSync('mkfifo', [fifo]);
    const receiver = await NotifyReceiver.listen(path.join(dir, 'notify-1.sock'));
    receivers.push(receiver);
    const writer = startWriter(fifo);
    const pipeline = `gst:filesrc location=${fifo} ! rawvideoparse width=360 height=288 format=rgb framerate=24/1 ! videoconvert`;
    const service = startService('flow', pipeline, { NOTIFY_SOCKET: receiver.socketPath, JOURNAL_STREAM: '8:12345' });

    await receiver.waitFor(() => receiver.with('READY').length > 0, 'READY=1', 60_000);
    const ready = receiver.with('READY')[0];
    // Before READY=1 only the start-up steps, each extending systemd's start timeout by 3 min from then
    // (a slow host that keeps moving is not killed at TimeoutStartSec=).
    expect(receiver.messages.slice(0, ready.seq).map((m) => m.text)).toEqual([
      'EXTEND_TIMEOUT_USEC=180000000\nSTATUS=starting: loading the models',
      'EXTEND_TIMEOUT_USEC=180000000\nSTATUS=starting: opening the camera and tracking the first frame',
    ]);
    // READY=1 was sent with a frame already tracked (state "tracking", a face found).
    expect(ready.text).toMatch(/^READY=1\nSTATUS=tracking, [\d.]+ fps, camera gst:filesrc/);

    // Frames flow: pings every half interval, and STATUS= with the FPS (how many depends on the machine; not 0).
    await receiver.waitFor(() => receiver.with('WATCHDOG').length >= 4 && receiver.with('STATUS').length >= 3, 'pings and status while tracking');
    const flowing = receiver.messages.filter((m) => m.text.startsWith('STATUS=')).map((m) => Number(/, ([\d.]+) fps/.exec(m.text)?.[1]));
    expect(Math.max(...flowing)).toBeGreaterThan(0);
    for (const m of receiver.with('WATCHDOG')) expect(m.text).toBe('WATCHDOG=1');

    // Stall the camera: the writer stops, the pipeline starves once the pipe is drained.
    writer.kill('SIGSTOP');
    const quiet = (ms: number): boolean => {
      const pings = receiver.with('WATCHDOG');
      return Date.now() - pings[pings.length - 1].at > ms;
    };
    await receiver.waitFor(() => quiet(2000), 'the pings to stop while the camera is stalled', 30_000);
    const pingsWhenStalled = receiver.with('WATCHDOG').length;
    const statusWhenStalled = receiver.with('STATUS').length;
    await sleep(3000); // six watchdog intervals
    expect(receiver.with('WATCHDOG').length).toBe(pingsWhenStalled);
    // The service itself is not hung (its timers run): it keeps reporting (STATUS= every 2 s), with the FPS falling to 0.
    await receiver.waitFor(() => receiver.with('STATUS').length > statusWhenStalled, 'STATUS= while stalled', 10_000);
    await receiver.waitFor(() => /STATUS=tracking, 0\.0 fps/.test(receiver.messages[receiver.messages.length - 1].text), 'STATUS with 0 fps', 10_000);

    // The camera comes back: pings resume.
    writer.kill('SIGCONT');
    await receiver.waitFor(() => receiver.with('WATCHDOG').length >= pingsWhenStalled + 2, 'pings to resume');

    await stopService(service, receiver);
    writer.kill('SIGKILL');

    // Journal priority prefixes, since JOURNAL_STREAM was set.
    const lines = service.stderr().trim().split('\n');
    for (const line of lines) expect(line).toMatch(/^<[346]>/);
    expect(lines.some((l) => l.startsWith('<4>watchdog: no frame was processed'))).toBe(true);
    expect(lines.some((l) => l.startsWith('<6>watchdog: frames are flowing again'))).toBe(true);
  }, 180_000);

  it('SIGTERM while the camera is stalled ends the process cleanly (capture teardown never blocks the JS thread)', async () => {
    const { service, receiver, writer } = await stalledService('stalled', HARD_EXIT_MS);
    service.child.kill('SIGTERM');
    // The stalled read() stays on the capture thread; the JS side closes and exits by itself,
    // not through the hard exit (which would be status 1, or SIGKILL from its worker).
    const { code, signal } = await service.exited;
    writer.kill('SIGKILL');
    await receiver.waitFor(() => receiver.with('STOPPING').length > 0, 'STOPPING=1', 10_000);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(service.stderr()).not.toContain('stopping is blocked');
    expect(service.stderr()).not.toContain('took too long');
  }, 120_000);

  it('a stop that outlasts the hard-exit deadline ends the process anyway, not with status 0, and says why', async () => {
    // 300 ms: the main thread's deadline (200 ms) is due before the 500 ms stream-stop grace that the
    // clean stop of a stalled camera waits out, so the clean stop cannot win.
    const { service, writer } = await stalledService('hard-exit', '300');
    service.child.kill('SIGTERM');
    const { code, signal } = await service.exited;
    writer.kill('SIGKILL');
    // The main thread's timer (status 1), or, if that thread did not get to run in time, the worker's SIGKILL 100 ms later.
    if (signal === null) {
      expect(code).toBe(1);
      expect(service.stderr()).toContain('stopping took too long; exiting without finishing the cleanup');
    } else {
      expect(signal).toBe('SIGKILL');
      expect(service.stderr()).toContain('stopping is blocked');
    }
  }, 120_000);

  it('a camera missing at start: READY=1 with camera-retry, pings while the retry loop runs, clean stop', async () => {
    const receiver = await NotifyReceiver.listen(path.join(dir, 'notify-2.sock'));
    receivers.push(receiver);
    const missing = path.join(dir, 'not-there-yet.mp4');
    const service = startService('missing', missing, { NOTIFY_SOCKET: receiver.socketPath });

    await receiver.waitFor(() => receiver.with('READY').length > 0, 'READY=1', 60_000);
    expect(receiver.with('READY')[0].text).toMatch(/^READY=1\nSTATUS=camera-retry, 0\.0 fps, camera .*not-there-yet\.mp4 retrying: cannot open: .*no such file/);
    // No frame is processed, yet the known retry loop keeps the watchdog fed.
    await receiver.waitFor(() => receiver.with('WATCHDOG').length >= 4, 'pings while retrying');
    expect(service.stderr()).toMatch(/warning: camera .*not-there-yet\.mp4: cannot open/);
    // Not under the journal: plain lines.
    expect(service.stderr()).not.toMatch(/^<\d>/m);
    await stopService(service, receiver);
  }, 120_000);

  it('without NOTIFY_SOCKET it runs as a plain program, prints its URL and answers the API there', async () => {
    const service = startService('plain', 'demo', { NOTIFY_SOCKET: '' });
    await waitUntil(() => service.stderr().includes('tracking: first frame'), 'the first frame', 60_000);
    const url = /UI and API at (http:\/\/\S+)/.exec(service.stderr())?.[1];
    expect(url).toBeDefined();
    const status = (await (await fetch(new URL('api/status', url))).json()) as { state: string; framesProcessed: number; camera: { source: string } };
    expect(status.camera.source).toBe('demo');
    expect(status.framesProcessed).toBeGreaterThan(0);
    expect(['tracking', 'no-face']).toContain(status.state);
    service.child.kill('SIGINT');
    expect(await service.exited).toEqual({ code: 0, signal: null });
  }, 120_000);
});
