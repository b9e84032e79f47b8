/**
 * Frames per second and frame-to-TrackingFrame latency on 1 and 2 cores (RESULTS "Speed"): the
 * tracker as the service runs it (frames overlapping on N inference workers, N = 0 to 3), each run in
 * its own process pinned with `taskset -c` to core 0, or to cores 0 and 1.
 *
 *   bash bench/run.sh bench/cores.ts [--video P] [--frames N]
 *
 * Throughput: frames handed over as fast as the tracker releases them (frames / total time).
 * Latency: frames handed over at a 30 fps camera's pace; median and p90 from handing a frame over to
 * its TrackingFrame (no queueing: what a viewer sees behind the camera).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from './lib/args';
import { reportFooter } from './lib/command';
import { sharedDataDir } from './lib/paths';
import { formatTable, type Row } from './lib/table';
import { runChild, type ChildArgs } from './speed/child';
import { CORE_CONFIGS, findConfig } from './speed/configs';
import type { TrackerRunResult } from './speed/tracker-run';

const args = parseArgs();
const childArgs: ChildArgs = {
  video: args.get('video') ?? path.join(sharedDataDir(), 'video/cap13_edit2.mp4'),
  warmupFrames: 20,
  maxFrames: args.number('frames', 320),
  runsScale: 1,
};

const configName = args.get('config');
if (configName) {
  await runChild(findConfig(configName), childArgs, args.get('result')!);
} else {
  const bundle = fileURLToPath(import.meta.url);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'vtlink-cores-'));
  const rows: Row[] = [];
  try {
    for (const cpus of ['0', '0,1']) {
      const results = new Map<string, TrackerRunResult>();
      for (const config of CORE_CONFIGS) {
        const file = path.join(tmp, `${config.name}-${cpus}.json`);
        const argv = [cpus, process.execPath, bundle, '--config', config.name, '--result', file, '--video', childArgs.video, '--frames', String(childArgs.maxFrames)];
        await new Promise<void>((resolve, reject) => {
          const child = spawn('taskset', ['-c', ...argv], { stdio: ['ignore', 'inherit', 'inherit'] });
          child.on('error', reject);
          child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`taskset -c ${cpus} ${config.name}: exit ${code}`))));
        });
        results.set(config.name, JSON.parse(readFileSync(file, 'utf8')) as TrackerRunResult);
        console.error(`[cores] ${config.name} on cpus ${cpus} done`);
      }
      for (const w of [0, 1, 2, 3]) {
        const fast = results.get(`cores-${w}w`)!;
        const paced = results.get(`cores-${w}w-30fps`)!;
        rows.push({
          cores: cpus === '0' ? 1 : 2,
          'inference workers': w === 0 ? '0 (the calling thread, no overlap)' : w,
          'FPS (as fast as taken)': fast.throughputFps,
          'CPU ms/frame': fast.cpuMsPerFrame,
          'latency at 30 fps, median ms': paced.frame.medianMs,
          'p90 ms': paced.frame.p90Ms,
        });
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`FaceMesh + Iris, front detector, 1 ORT thread per session, on ${path.basename(childArgs.video)} (${childArgs.maxFrames} frames, 20 of them warm-up); every run pinned with taskset.`);
  console.log('');
  console.log(formatTable(rows));
  console.log('');
  console.log(reportFooter('bench/cores.ts'));
}
