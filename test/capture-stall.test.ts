/**
 * A camera that stops delivering must never block the JS thread: not when the stream is opened
 * (GStreamer's filesrc opens a FIFO in the PAUSED state change, which waits for a writer), not
 * while it is stalled, not when it is closed (setting a pipeline to NULL waits for the streaming
 * thread, stuck in read() for as long as the FIFO's writer neither writes nor closes).
 *
 * Real processes, no mocks: a FIFO (mkfifo) read by a `filesrc ! rawvideoparse` pipeline, written by
 * a shell that writes a few frames and then holds the FIFO open without writing (a hung camera), or
 * by `cat /dev/zero` (a camera streaming at full speed). Each case runs in a child node process that counts the ticks of a 5 ms interval: while the
 * JS thread were blocked in open/close no tick would fire and the child would never get past that
 * call (it is killed after 30 s and the case fails). The facts asserted are counts and orders of
 * events (ticks that fired while the teardown was still pending, which promise settled first), and
 * that the process then exits by itself with status 0 and an empty stderr — never wall-clock times.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(__dirname, '..');
const addonPath = path.join(repoRoot, 'build', 'Release', 'vtlink_native.node');
const FRAME_BYTES = 64 * 48 * 3;
/** Frames the hanging writer writes before it stops: 6 x 9216 bytes fit in a 64 KiB pipe. */
const FRAMES_WRITTEN = 6;
let dir: string;
let fifoCount = 0;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'vtlink-stall-'));
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function makeFifo(): string {
  const fifo = path.join(dir, `camera-${fifoCount++}.fifo`);
  execFileSync('mkfifo', [fifo]);
  return fifo;
}

/** What every child script has in scope: the addon, the FIFO, writers, a ticking interval, helpers. */
const PRELUDE = `
  const { spawn } = require('node:child_process');
  const { monitorEventLoopDelay } = require('node:perf_hooks');
  const fifo = process.argv[process.argv.length - 1];
  const pipeline = 'filesrc location=' + fifo + ' ! rawvideoparse width=64 height=48 format=rgb framerate=30/1 ! appsink name=vtlink';
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 5);
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const report = {};
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  /** Resolves once n more ticks of the interval have fired (each one proves the JS thread ran). */
  const ticksPass = async (n) => { const end = ticks + n; while (ticks < end) await sleep(1); };
  /** Settled state of a promise, without waiting for it. */
  const track = (p) => { const t = { settled: false, value: undefined }; p.then((v) => { t.settled = true; t.value = v; }, (e) => { t.settled = true; t.value = 'rejected: ' + e.message; }); return t; };
  // The writers open the FIFO read-write (never blocks, never SIGPIPE): filesrc opens the FIFO,
  // closes it and opens it again while the pipeline starts (basesrc starts once to answer the
  // parser's scheduling query), and a write-only writer caught in between would die of SIGPIPE.
  /** Writes ${FRAMES_WRITTEN} frames (less than the pipe holds), then holds the FIFO open without writing: a camera that hung. */
  const hangingWriter = () => spawn('sh', ['-c', 'exec 3<>"$0"; head -c "$1" /dev/zero >&3; exec sleep 60', fifo, String(${FRAME_BYTES * FRAMES_WRITTEN})], { stdio: 'ignore' });
  /** Streams as fast as it is read, until killed. */
  const floodingWriter = () => spawn('sh', ['-c', 'exec 3<>"$0"; exec cat /dev/zero >&3', fifo], { stdio: 'ignore' });
  /** rawvideoparse hands a frame on once the next one starts (or at EOS): all but the last arrive, then filesrc waits in read(). */
  const stalledAfter = ${FRAMES_WRITTEN - 1};
  /** A raw stream on a camera that hung, once it has every frame it will get (the writer's pid in the report). */
  const openStalled = async () => {
    const writer = hangingWriter();
    report.writerPid = writer.pid;
    const s = new addon.CaptureStream('gst', pipeline, { everyFrame: false });
    while (s.stats().offered < stalledAfter) await sleep(5);
    return { writer, s };
  };
  const finish = () => { lag.disable(); report.maxLagMs = Math.round(lag.max / 1e6); clearInterval(ticker); console.log(JSON.stringify(report)); };
`;

interface ChildResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  report: Record<string, unknown>;
}

function parseReport(stdout: string): Record<string, unknown> {
  const last = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** Runs `body` (an async function body, PRELUDE in scope) in a fresh node reading `fifo`. */
function runChild(body: string, fifo: string): ChildResult {
  const script = `
    const addon = require(${JSON.stringify(addonPath)});
    ${PRELUDE}
    (async () => { ${body} })().catch((e) => { console.error('script failed:', e); process.exitCode = 3; });
  `;
  const r = spawnSync(process.execPath, ['-e', script, fifo], { encoding: 'utf8', timeout: 30_000, killSignal: 'SIGKILL' });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, report: parseReport(r.stdout) };
}

function expectCleanExit(r: ChildResult): void {
  expect(r.stderr).not.toMatch(/malloc|free\(\)|corrupt|Aborted|double free|Segmentation/i);
  // A child killed by the 30 s timeout (a blocked JS thread) shows here as signal SIGKILL.
  expect({ status: r.status, signal: r.signal, stderr: r.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
}

/** Kills the writer a child reported (by its pid) if it outlived the child. */
function killWriter(report: Record<string, unknown>): void {
  const pid = report.writerPid;
  if (typeof pid !== 'number') return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

describe('a stalled GStreamer source never blocks the JS thread', () => {
  it('close() of a source stuck in read(): returns at once, timers run while the teardown waits for the camera, and it completes when the writer goes away', () => {
    const r = runChild(
      `
      const { writer, s } = await openStalled();
      await ticksPass(10);
      report.infoWhileStalled = s.info().live === false;
      const last = await s.next(); // the newest frame, waiting since the stall began
      s.release(last.slot, last.generation, last.data);
      const waiting = track(s.next()); // nothing more will come
      const closing = track(s.close());
      const ticksAtClose = ticks;
      await ticksPass(20);
      report.ticksWhileTeardownPending = closing.settled ? -1 : ticks - ticksAtClose;
      report.pendingNextGave = waiting.value;
      report.statsAfterClose = s.stats().offered;
      writer.kill('SIGKILL'); // the hung camera goes away: EOF, the streaming thread ends
      while (!closing.settled) await sleep(5);
      report.closed = closing.value;
      finish();
      `,
      makeFifo(),
    );
    expectCleanExit(r);
    expect(r.report).toMatchObject({ infoWhileStalled: true, pendingNextGave: null, statsAfterClose: FRAMES_WRITTEN - 1, closed: true });
    // Ticks fired after close() returned while the pipeline was still stuck (not settled yet).
    expect(r.report.ticksWhileTeardownPending).toBeGreaterThanOrEqual(20);
  });

  it('a FIFO no writer opens: the constructor returns, next() waits while timers run, close() ends it; the abandoned start completes once a writer appears', () => {
    const r = runChild(
      `
      const s = new addon.CaptureStream('gst', pipeline, {});
      const first = track(s.next());
      await ticksPass(20);
      report.nextSettledWithoutWriter = first.settled;
      const closing = track(s.close());
      await ticksPass(20);
      report.firstGave = first.value;
      report.closeSettledWithoutWriter = closing.settled; // the producer is still in open()
      const writer = floodingWriter();
      while (!closing.settled) await sleep(5);
      report.closed = closing.value;
      writer.kill('SIGKILL');
      finish();
      `,
      makeFifo(),
    );
    expectCleanExit(r);
    expect(r.report).toMatchObject({ nextSettledWithoutWriter: false, firstGave: null, closeSettledWithoutWriter: false, closed: true });
  });

  it('a writer that appears late: the first next() resolves with its frame (the pipeline starts on the producer thread)', () => {
    const r = runChild(
      `
      const s = new addon.CaptureStream('gst', pipeline, { everyFrame: false });
      const first = track(s.next());
      await ticksPass(20);
      report.settledBeforeWriter = first.settled;
      const writer = floodingWriter();
      while (!first.settled) await sleep(5);
      const f = first.value;
      report.frame = [f.width, f.height, f.format, f.data.byteLength];
      s.release(f.slot, f.generation, f.data);
      report.closed = await s.close();
      writer.kill('SIGKILL');
      finish();
      `,
      makeFifo(),
    );
    expectCleanExit(r);
    expect(r.report).toMatchObject({ settledBeforeWriter: false, frame: [64, 48, 'rgb', FRAME_BYTES], closed: true });
  });

  it('the process exits by itself (status 0) while a closed stream is still stuck on the hung camera', () => {
    const r = runChild(
      `
      const { writer, s } = await openStalled();
      writer.unref();
      const closing = track(s.close());
      await ticksPass(10);
      report.closeSettled = closing.settled;
      finish(); // nothing keeps the loop alive now: node exits with the producer stuck in read()
      `,
      makeFifo(),
    );
    killWriter(r.report);
    expectCleanExit(r);
    expect(r.report).toMatchObject({ closeSettled: false });
  });

  it('the process exits by itself (status 0) with a stalled stream never closed, a next() pending and a frame lent', () => {
    const r = runChild(
      `
      const { writer, s } = await openStalled();
      writer.unref();
      const lent = await s.next(); // held, never released
      report.lent = lent.data.byteLength;
      const waiting = track(s.next()); // refs the stream: only an explicit exit ends the process
      await ticksPass(10);
      report.nextSettled = waiting.settled;
      finish();
      process.exit(0);
      `,
      makeFifo(),
    );
    killWriter(r.report);
    expectCleanExit(r);
    expect(r.report).toMatchObject({ lent: FRAME_BYTES, nextSettled: false });
  });
});

describe('NativeFrameSource (what the service uses) over a stalled FIFO', () => {
  let bundle: string;
  beforeAll(async () => {
    bundle = path.join(repoRoot, 'build', 'test-capture', 'stall-source.mjs');
    await build({
      stdin: {
        contents: `export { openGstreamer } from './src/capture/gstreamer';`,
        resolveDir: repoRoot,
        loader: 'ts',
      },
      outfile: bundle,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      banner: { js: "import { createRequire as __vtlinkRequire } from 'node:module'; const require = __vtlinkRequire(import.meta.url);" },
      logLevel: 'warning',
    });
  }, 60_000);

  it('close() while the consumer waits on a stalled camera resolves, the for-await loop ends cleanly, timers run throughout, exit 0', async () => {
    const fifo = makeFifo();
    const script = `
      const { openGstreamer } = await import(${JSON.stringify(bundle)});
      const require = (await import('node:module')).createRequire(import.meta.url);
      ${PRELUDE}
      const writer = hangingWriter();
      report.writerPid = writer.pid;
      const source = await openGstreamer(pipeline.replace(' ! appsink name=vtlink', ''), { everyFrame: false });
      let frames = 0;
      const loop = track((async () => { for await (const result of source.frames()) if (result.kind === 'frame') frames++; return 'ended'; })());
      while (source.stats().offered < stalledAfter) await sleep(5);
      await ticksPass(10);
      const ticksAtClose = ticks;
      const closing = track(source.close());
      while (!closing.settled) await sleep(1);
      report.ticksDuringClose = ticks - ticksAtClose;
      while (!loop.settled) await sleep(1);
      report.loop = loop.value;
      report.framesSeen = frames > 0;
      writer.kill('SIGKILL');
      finish();
    `;
    const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', script, fifo], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const { status, signal } = await new Promise<{ status: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, sig) => resolve({ status: code, signal: sig })));
    clearTimeout(killer);
    const report = parseReport(stdout);
    killWriter(report);
    expectCleanExit({ status, signal, stdout, stderr, report });
    expect(report).toMatchObject({ loop: 'ended', framesSeen: true });
    // close() waited out its grace for the stuck pipeline with the event loop running meanwhile.
    expect(report.ticksDuringClose).toBeGreaterThanOrEqual(10);
  }, 40_000);
});
