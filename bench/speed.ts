/**
 * Script: the "Speed" section of bench/RESULTS.md in one run (about 1 minute on a quiet machine here).
 *   bash bench/run.sh bench/speed.ts [--video PATH] [--warmup N] [--frames N] [--runs-scale X] [--json FILE]
 *
 * vtlink's whole tracker (front detector at 1 and 2 ORT threads, back detector at 1, and the
 * detector forced on every frame), Human (WASM) on the same frames, vtlink's models in raw ORT, and
 * OpenSeeFace's models in raw ORT where the files exist. Each configuration runs in its own child
 * process (this script, started again with --config NAME), which decodes every frame into memory
 * before timing so decoding is never timed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from './lib/args';
import { commandLine } from './lib/command';
import { formatMachineInfo, machineInfo } from './lib/machine';
import { sharedDataDir } from './lib/paths';
import { formatTable } from './lib/table';
import { runOpenSeeFaceRaw } from './peers/openseeface-raw';
import { runChild, spawnChild, type ChildArgs, type ChildResult, type HumanRunResult } from './speed/child';
import { findConfig, SPEED_CONFIGS } from './speed/configs';
import type { RawOnnxResult } from './speed/raw-models';
import { humanRatioRows, openSeeFaceGateLines, openSeeFaceLines, overheadRows, rawModelRows, stageRows, targetLine, wholeFrameRows } from './speed/report';
import type { GateRunResult } from './speed/gate';
import type { TrackerRunResult } from './speed/tracker-run';

const args = parseArgs();
const childArgs: ChildArgs = {
  video: args.get('video') ?? path.join(sharedDataDir(), 'video/cap13_edit2.mp4'),
  warmupFrames: args.number('warmup', 20),
  maxFrames: args.number('frames', Number.POSITIVE_INFINITY),
  runsScale: args.number('runs-scale', 1),
};

const configName = args.get('config');
if (configName) {
  const resultFile = args.get('result');
  if (!resultFile) throw new Error('--config needs --result FILE');
  await runChild(findConfig(configName), childArgs, resultFile);
} else {
  await runAll();
}

async function runAll(): Promise<void> {
  const started = new Date();
  const loadStart = os.loadavg();
  const bundle = fileURLToPath(import.meta.url);
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'vtlink-speed-'));
  const passOn = ['--video', childArgs.video, '--warmup', String(childArgs.warmupFrames), '--runs-scale', String(childArgs.runsScale)];
  if (Number.isFinite(childArgs.maxFrames)) passOn.push('--frames', String(childArgs.maxFrames));

  const results: ChildResult[] = [];
  try {
    for (const config of SPEED_CONFIGS) {
      const t0 = Date.now();
      results.push(await spawnChild(bundle, ['--config', config.name, ...passOn], path.join(tmp, `${config.name}.json`)));
      console.error(`[speed] ${config.name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  // After every child has exited, so its ORT threads never overlap ours.
  const osf = await runOpenSeeFaceRaw({ runsScale: childArgs.runsScale });
  const loadEnd = os.loadavg();

  const trackers = results.filter((r): r is TrackerRunResult => r.kind === 'tracker');
  const human = results.find((r): r is HumanRunResult => r.kind === 'human') ?? null;
  const raw = results.find((r): r is RawOnnxResult => r.kind === 'raw-onnx');
  if (!raw || trackers.length === 0) throw new Error('a configuration produced no result');
  const first = trackers[0];
  const video = `${path.basename(childArgs.video)} (${first.width}x${first.height}, ${first.warmupFrames} warm-up + ${first.timedFrames} timed frames)`;

  const out: string[] = [];
  out.push(`Measured ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${video}.`);
  out.push('');
  out.push('### Whole frame');
  out.push('');
  out.push(formatTable(wholeFrameRows(trackers, human)));
  out.push('');
  out.push(targetLine(trackers));
  out.push(...openSeeFaceGateLines(trackers, osf, results.filter((r): r is GateRunResult => r.kind === 'gate')));
  out.push('');
  out.push('### Stages (median / p90 ms)');
  out.push('');
  out.push(formatTable(stageRows(trackers)));
  out.push('');
  out.push('### vtlink vs Human, same frames');
  out.push('');
  if (human) out.push(formatTable(humanRatioRows(trackers, human)));
  else out.push('Human did not run.');
  out.push('');
  out.push('### Raw inference (onnxruntime-node, session.run on fixed inputs)');
  out.push('');
  out.push(formatTable(rawModelRows(raw)));
  out.push('');
  out.push(formatTable(overheadRows(trackers, raw)));
  out.push('');
  out.push(...openSeeFaceLines(osf));
  out.push('');
  out.push('Notes:');
  out.push(
    `- Each configuration ran in its own node process, one after another, on frames decoded into memory first. ${first.warmupFrames} warm-up frames untimed; then wall time around each \`await tracker.process(frame)\` (Human: \`human.detect()\`). FPS = 1000 / median.`,
  );
  out.push('- Tracking mode: the detector runs only when no face is tracked (the first frame, or after the mesh loses it); "detector every frame" resets the tracker before each frame. Smoothing (One Euro) on in every vtlink row.');
  out.push('- Stages are exclusive (preprocess = every model input\'s warp and normalisation; detect/mesh/iris = inference + decoding) and add up to about the whole frame. Detect figures are over the frames where the detector ran (count in brackets).');
  out.push('- CPU ms/frame = process CPU time (all threads, GC included) over the timed loop / frames; with 2 ORT threads it includes the second thread\'s work and its spin-waiting, so it can exceed wall time.');
  out.push('- Peak RSS is the child process\'s high-water mark and includes every decoded frame in memory; "peak RSS - frames" subtracts the high-water mark reached after decoding, before any model loaded.');
  out.push('');
  out.push('Machine:');
  out.push(formatMachineInfo());
  out.push(`- load average (1/5/15 min) at start: ${loadStart.map((x) => x.toFixed(2)).join(' / ')}; at end: ${loadEnd.map((x) => x.toFixed(2)).join(' / ')}`);
  out.push('');
  out.push(`Command: \`${commandLine('bench/speed.ts', process.argv.slice(2))}\``);
  console.log(out.join('\n'));

  const jsonOut = args.get('json');
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify({ started: started.toISOString(), loadStart, loadEnd, machine: machineInfo(), results, openSeeFace: osf }, null, 1));
}
