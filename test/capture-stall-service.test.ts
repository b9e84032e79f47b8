/**
 * The service over a camera that stalls and vanishes, for real: the bundled CLI (`vtlink run`) in a
 * child process reads a GStreamer pipeline over a FIFO. The camera is a writer that writes a known
 * number of frames (ffmpeg, as fast as they are read) and then holds the FIFO open without writing: a
 * hung camera (the pipeline's filesrc waits in read()). Killing it is the camera vanishing (EOF: the
 * stream ends and the service retries, re-opening the FIFO, whose open() waits for a writer).
 * Throughout, the service's own HTTP API must answer: its JS thread never waits on the camera. Then
 * a new writer: tracking resumes. Finally SIGTERM during a stall: the process stops cleanly
 * (status 0), not by the run command's hard exit.
 *
 * The pipeline is not live, so every frame written is tracked: the counts are exact, whatever the
 * speed of the machine, and the test waits for them instead of for the count to look still.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from './helpers/wait';
import { bundleCli, dataFile } from './service-harness';

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

/** Frames each writer writes before it hangs (more than the model warm-up's first frames). */
const FRAMES_WRITTEN = 40;
/** rawvideoparse hands a frame on once the next one starts (or at EOS): a hung writer's last frame stays held. */
const FRAMES_BEFORE_STALL = FRAMES_WRITTEN - 1;
/** Generous: a loaded machine may answer late; a blocked JS thread never answers, and the writer stays frozen until it does. */
const STATUS_TIMEOUT_MS = 15_000;

/**
 * A camera that hangs: ffmpeg writes the first FRAMES_WRITTEN frames of franck.mp4 (360x288, raw
 * RGB) into `fifo` as fast as they are read, then the shell holds the FIFO open without writing,
 * until killed (the camera vanishes: EOF). The FIFO is opened read-write, so the open never blocks
 * and no write dies of SIGPIPE while filesrc opens, closes and re-opens it as the pipeline starts.
 */
function startWriter(fifo: string): ChildProcess {
  const script = 'exec 3<>"$0"; ffmpeg -v error -nostdin -i "$1" -an -frames:v "$2" -f rawvideo -pix_fmt rgb24 - >&3; exec sleep 3600';
  const writer = spawn('sh', ['-c', script, fifo, dataFile('video/franck.mp4'), String(FRAMES_WRITTEN)], { stdio: 'ignore' });
  children.push(writer);
  return writer;
}

interface Status {
  state: string;
  framesProcessed: number;
  camera: { state: string; detail?: string };
}

/** GET /api/status; throws when the service does not answer (a blocked JS thread). */
async function status(base: string): Promise<Status> {
  const response = await fetch(new URL('api/status', base), { signal: AbortSignal.timeout(STATUS_TIMEOUT_MS) });
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

/** Polls `times` more statuses (every 100 ms), each of which must answer with `frames` processed. */
async function expectStill(base: string, frames: number, times = 5): Promise<void> {
  for (let i = 0; i < times; i++) {
    expect((await status(base)).framesProcessed).toBe(frames);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the service over a stalled, vanished and returning camera', () => {
  it('answers its API through a stall, re-opens after the camera vanished, tracks again when it returns, and stops cleanly during a stall', async () => {
    const fifo = path.join(dir, 'camera.fifo');
    execFileSync('mkfifo', [fifo]);
    let writer = startWriter(fifo);
    const pipeline = `gst:filesrc location=${fifo} ! rawvideoparse width=360 height=288 format=rgb framerate=24/1 ! videoconvert`;
    const service = spawn(process.execPath, [cli, 'run', '--state-dir', path.join(dir, 'state'), '--source', pipeline, '--port', '0'], {
      // A generous hard exit: a slow machine's clean stop is not taken for a blocked one (which would still be killed).
      env: { ...process.env, NOTIFY_SOCKET: '', WATCHDOG_USEC: '', VTLINK_HARD_EXIT_MS: '15000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(service);
    let stderr = '';
    service.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    service.stdout!.resume();
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => service.once('exit', (code, signal) => resolve({ code, signal })));

    await waitUntil(() => /UI and API at (http:\/\/\S+)/.test(stderr), 'the API URL', 60_000);
    const base = /UI and API at (http:\/\/\S+)/.exec(stderr)![1];

    // A hung camera: every frame but the one the parser holds is tracked, then no more; the API keeps answering.
    const stalledAt = FRAMES_BEFORE_STALL;
    await waitForStatus(base, (s) => s.framesProcessed >= stalledAt, 'the frames written before the camera hung', 60_000);
    await expectStill(base, stalledAt);

    // The camera vanishes: the stream ends, the service retries and re-opens the FIFO (whose
    // open() now waits for a writer on the addon's producer thread), answering all the while.
    writer.kill('SIGKILL');
    await waitUntil(() => /camera gst:.*the camera stream ended; retrying/.test(stderr), 'the retry after the camera vanished');
    // At EOF rawvideoparse hands on the frame it held: every frame written has been tracked, and the
    // old stream is over (the count is final).
    const reopening = await waitForStatus(base, (s) => s.camera.state !== 'retrying', 'the re-open');
    expect(reopening.framesProcessed).toBe(FRAMES_WRITTEN);
    await expectStill(base, reopening.framesProcessed);

    // The camera returns, and hangs again: tracking resumes on the re-opened source.
    writer = startWriter(fifo);
    const stalledAgainAt = reopening.framesProcessed + FRAMES_BEFORE_STALL;
    const again = await waitForStatus(base, (s) => s.framesProcessed >= stalledAgainAt, 'tracking again', 60_000);
    expect(again.camera.state).toBe('running');
    await expectStill(base, stalledAgainAt);

    // Stalled, then stopped: the close of the stuck pipeline does not block the stop.
    service.kill('SIGTERM');
    const { code, signal } = await exited;
    writer.kill('SIGKILL');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(stderr).not.toContain('stopping is blocked');
    expect(stderr).not.toContain('took too long');
  }, 180_000);
});
