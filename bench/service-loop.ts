/**
 * The service's event loop and API while it tracks, on a loaded machine (RESULTS "Service event loop").
 *
 *   bash bench/run.sh bench/service-loop.ts [--workers 0,1,2,3] [--load N] [--seconds S] [--warmup S] [--before FILE]
 *
 * For each value of tracking.inferenceWorkers (0 = one per core), `node dist/vtlink.mjs run` tracks
 * the demo input with bench/event-loop-probe.mjs preloaded (perf_hooks.monitorEventLoopDelay), while
 * this script asks GET /api/status every 50 ms and times each answer, and N busy-loop processes keep
 * the machine loaded as other work would (default 3 on 2 cores: load average about 4-5, as the
 * earlier measurement had). `--before FILE` first runs another build (dist/vtlink.mjs of an earlier
 * commit, e.g. from before inference moved off the service thread) under the same load, for a row
 * measured in the same sitting.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from './lib/args';
import { reportFooter } from './lib/command';
import { repoRoot } from './lib/paths';
import { percentile } from './lib/stats';
import { formatTable, type Row } from './lib/table';
import { defaultInferenceThreads } from '../src/vision/face-vision';

const args = parseArgs();
const workers = (args.get('workers') ?? '0,1,2,3').split(',').map(Number);
const load = args.number('load', 3);
const seconds = args.number('seconds', 30);
const warmup = args.number('warmup', 10);
const vtlink = path.join(repoRoot(), 'dist/vtlink.mjs');
const before = args.get('before');

interface RunResult {
  workers: number | null;
  loop: { max: number; p99: number; p50: number; stalls: number };
  api: number[];
  fps: number;
  loadAverage: number;
}

function busyLoops(count: number): ChildProcess[] {
  return Array.from({ length: count }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

/** One service run; `workerCount` null: the build's defaults (a build that has no such setting). */
async function runOnce(build: string, workerCount: number | null): Promise<RunResult> {
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'vtlink-loop-'));
  if (workerCount !== null) writeFileSync(path.join(stateDir, 'settings.json'), JSON.stringify({ tracking: { inferenceWorkers: workerCount } }));
  const probe = path.join(repoRoot(), 'bench/event-loop-probe.mjs');
  const child = spawn(process.execPath, ['--import', probe, build, 'run', '--port', '0', '--state-dir', stateDir, '--source', 'demo'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NOTIFY_SOCKET: '', PROBE_WARMUP_S: String(warmup), PROBE_SECONDS: String(seconds) },
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const m = /\bhttps?:\/\/[^\s'"<>]+/.exec(output);
      if (m) resolve(m[0].endsWith('/') ? m[0] : `${m[0]}/`);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', () => reject(new Error(`the service exited before printing its URL:\n${output}`)));
  });
  const api: number[] = [];
  const t0 = performance.now();
  let framesAtStart = 0;
  let framesAtEnd = 0;
  const status = async (): Promise<{ frames?: number }> => {
    const start = performance.now();
    const response = await fetch(`${url}api/status`);
    const body = (await response.json()) as { framesProcessed?: number };
    if (performance.now() - t0 > warmup * 1000) api.push(performance.now() - start);
    return { frames: body.framesProcessed };
  };
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => (running = false));
  let sampledStart = false;
  while (running) {
    try {
      const s = await status();
      const elapsed = performance.now() - t0;
      if (!sampledStart && elapsed > warmup * 1000) {
        framesAtStart = s.frames ?? 0;
        sampledStart = true;
      }
      if (elapsed < (warmup + seconds - 1) * 1000) framesAtEnd = s.frames ?? framesAtEnd;
    } catch {
      // the service is stopping
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await exited;
  rmSync(stateDir, { recursive: true, force: true });
  const m = /max ([\d.]+) ms, p99 ([\d.]+) ms, p50 ([\d.]+) ms/.exec(output);
  const stalls = /stalls > \d+ ms: (\d+)/.exec(output);
  if (!m || !stalls) throw new Error(`no probe line in the service output:\n${output.slice(-2000)}`);
  return {
    workers: workerCount,
    loop: { max: Number(m[1]), p99: Number(m[2]), p50: Number(m[3]), stalls: Number(stalls[1]) },
    api,
    fps: (framesAtEnd - framesAtStart) / (seconds - 1),
    loadAverage: os.loadavg()[0],
  };
}

const runs: { build: string; workers: number | null; label: string }[] = workers.map((w) => ({
  build: vtlink,
  workers: w,
  label: `this build, inferenceWorkers ${w}${w === 0 ? ` (= ${defaultInferenceThreads()} here)` : ''}`,
}));
if (before) runs.unshift({ build: path.resolve(before), workers: null, label: `${before}, its defaults` });
const rows: Row[] = [];
for (const { build, workers: w, label } of runs) {
  const loops = busyLoops(load);
  try {
    const r = await runOnce(build, w);
    rows.push({
      service: label,
      'load avg': r.loadAverage,
      'loop max ms': r.loop.max,
      'loop p99 ms': r.loop.p99,
      'loop p50 ms': r.loop.p50,
      'stalls > 50 ms': r.loop.stalls,
      'API answers': r.api.length,
      'API p50 ms': percentile(r.api, 50),
      'API p99 ms': percentile(r.api, 99),
      'API max ms': Math.max(...r.api),
      'tracked fps': r.fps,
    });
    console.error(`[service-loop] ${label} done`);
  } finally {
    for (const l of loops) l.kill('SIGKILL');
  }
}
console.log(`The service tracking its demo input; ${load} busy-loop processes beside it; ${warmup} s warm-up, then ${seconds} s measured.`);
console.log('');
console.log(formatTable(rows));
console.log('');
console.log(reportFooter('bench/service-loop.ts'));
