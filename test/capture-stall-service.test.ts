/**
 * The service over a camera that stalls and vanishes, for real: the bundled CLI (`vtlink run`) in a
 * child process reads a GStreamer pipeline over a FIFO that ffmpeg writes at the video's rate.
 * SIGSTOP on the writer is a hung camera (the pipeline's filesrc waits in read()); SIGKILL is the
 * camera vanishing (EOF: the stream ends and the service retries, re-opening the FIFO, whose open()
 * waits for a writer). Throughout, the service's own HTTP API must answer: its JS thread never
 * waits on the camera. Then a new writer: tracking resumes. Finally SIGTERM during a stall: the
 * process stops cleanly (status 0), not by the run command's hard exit.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli, dataFile, waitUntil } from './service-harness';

let cli: string;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  cli = await bundleCli('capture-stall-service');
  dir = await mkdtemp(path.join(tmpdir(), 'vtlink-stall-service-'));
}, 120_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** ffmpeg writing franck.mp4 (360x288) as raw RGB into `fifo` at its own frame rate, for ever. */
function startWriter(fifo: string): ChildProcess {
  const writer = spawn('ffmpeg', ['-v', 'error', '-re', '-stream_loop', '-1', '-i', dataFile('video/franck.mp4'), '-an', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-y', fifo], {
    stdio: 'ignore',
  });
  children.push(writer);
  return writer;
}

interface Status {
  state: string;
  framesProcessed: number;
  camera: { state: string; detail?: string };
}

/** GET /api/status; throws when the service does not answer within 2 s (a blocked JS thread). */
async function status(base: string): Promise<Status> {
  const response = await fetch(new URL('api/status', base), { signal: AbortSignal.timeout(2000) });
  return (await response.json()) as Status;
}

/** Polls the status until `predicate` holds; every poll must be answered. */
async function waitForStatus(base: string, predicate: (s: Status) => boolean, what: string, timeoutMs = 30_000): Promise<Status> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await status(base);
    if (predicate(s)) return s;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: last status ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Frames processed once the count has stayed the same over 10 polls in a row (the pipe is drained). */
async function waitForStall(base: string, what: string): Promise<number> {
  let last = -1;
  let same = 0;
  await waitForStatus(
    base,
    (s) => {
      same = s.framesProcessed === last ? same + 1 : 0;
      last = s.framesProcessed;
      return same >= 10;
    },
    what,
  );
  return last;
}

describe('the service over a stalled, vanished and returning camera', () => {
  it('answers its API through a stall, re-opens after the camera vanished, tracks again when it returns, and stops cleanly during a stall', async () => {
    const fifo = path.join(dir, 'camera.fifo');
    execFileSync('mkfifo', [fifo]);
    let writer = startWriter(fifo);
    const pipeline = `gst:filesrc location=${fifo} ! rawvideoparse width=360 height=288 format=rgb framerate=24/1 ! videoconvert`;
    const service = spawn(process.execPath, [cli, 'run', '--state-dir', path.join(dir, 'state'), '--source', pipeline, '--port', '0'], {
      env: { ...process.env, NOTIFY_SOCKET: '', WATCHDOG_USEC: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(service);
    let stderr = '';
    service.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    service.stdout!.resume();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => service.once('exit', (code, signal) => resolve({ code, signal })));

    await waitUntil(() => /UI and API at (http:\/\/\S+)/.test(stderr), 'the API URL', 60_000);
    const base = /UI and API at (http:\/\/\S+)/.exec(stderr)![1];
    // Well past the first frames, whose model warm-up can pause tracking for a while.
    await waitForStatus(base, (s) => s.framesProcessed > 30, 'frames tracked', 60_000);

    // A hung camera: frames stop, the API keeps answering.
    writer.kill('SIGSTOP');
    const stalledAt = await waitForStall(base, 'frames to stop');
    for (let i = 0; i < 5; i++) expect((await status(base)).framesProcessed).toBe(stalledAt);

    // The camera vanishes: the stream ends, the service retries and re-opens the FIFO (whose
    // open() now waits for a writer on the addon's producer thread), answering all the while.
    writer.kill('SIGKILL');
    await waitUntil(() => /camera gst:.*the camera stream ended; retrying/.test(stderr), 'the retry after the camera vanished');
    // (At EOF rawvideoparse may still hand on the partial frame the writer left in the pipe.)
    const reopening = await waitForStatus(base, (s) => s.camera.state !== 'retrying', 'the re-open');
    expect(reopening.framesProcessed).toBeLessThanOrEqual(stalledAt + 1);
    for (let i = 0; i < 5; i++) expect((await status(base)).framesProcessed).toBe(reopening.framesProcessed);

    // The camera returns: tracking resumes on the re-opened source.
    writer = startWriter(fifo);
    await waitForStatus(base, (s) => s.framesProcessed > reopening.framesProcessed + 5 && s.camera.state === 'running', 'tracking again', 60_000);

    // Stalled again, then stopped: the close of the stuck pipeline does not block the stop.
    writer.kill('SIGSTOP');
    await waitForStall(base, 'frames to stop again');
    service.kill('SIGTERM');
    const { code, signal } = await exited;
    writer.kill('SIGKILL');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(stderr).not.toContain('stopping is blocked');
    expect(stderr).not.toContain('took too long');
  }, 180_000);
});
