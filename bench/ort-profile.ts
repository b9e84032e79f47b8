/**
 * Where ONNX Runtime spends a model's time, by operator type (its own profiler), next to the plain
 * median run time; several files are timed round-robin in one process so they share the machine's noise.
 *
 *   bash bench/run.sh bench/ort-profile.ts --models A.onnx[:BATCH][,B.onnx[:BATCH]...] [--runs N]
 *
 * Inputs are uniform noise in [0, 1] (the mesh and iris models' range); a symbolic batch dimension
 * takes the file's :BATCH (default 1), e.g. the attention mesh against what it replaces:
 *   --models models/facemesh-attention.onnx,models/facemesh.onnx,models/iris.onnx:2
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { parseArgs } from './lib/args';
import { reportFooter } from './lib/command';
import { median } from './lib/stats';
import { formatTable, type Row } from './lib/table';

const args = parseArgs();
const entries = (args.get('models') ?? '').split(',').filter(Boolean);
if (entries.length === 0) throw new Error('usage: bench/ort-profile.ts --models A.onnx[:BATCH][,B.onnx[:BATCH]...] [--runs N]');
const files = entries.map((e) => e.replace(/:\d+$/, ''));
const batches = entries.map((e) => Number(/:(\d+)$/.exec(e)?.[1] ?? 1));
const runs = args.number('runs', 300);

const options = (extra: Partial<ort.InferenceSession.SessionOptions> = {}): ort.InferenceSession.SessionOptions => ({
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  logSeverityLevel: 3,
  ...extra,
});

function feedsFor(session: ort.InferenceSession, batch: number): Record<string, ort.Tensor> {
  const meta = session.inputMetadata[0];
  if (!meta.isTensor) throw new Error('the first input is not a tensor');
  const shape = meta.shape.map((d) => (typeof d === 'number' && d > 0 ? d : batch));
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = Math.random();
  return { [meta.name]: new ort.Tensor('float32', data, shape) };
}

// Plain run times, round-robin.
const sessions = await Promise.all(files.map(async (f) => ort.InferenceSession.create(readFileSync(f), options())));
const feeds = sessions.map((s, k) => feedsFor(s, batches[k]));
const times = files.map((): number[] => []);
for (let r = 0; r < runs + 30; r++) {
  for (let k = 0; k < sessions.length; k++) {
    const t0 = performance.now();
    await sessions[k].run(feeds[k]);
    if (r >= 30) times[k].push(performance.now() - t0);
  }
}
await Promise.all(sessions.map((s) => s.release()));

// Per-operator kernel time from ORT's profiler (adds its own overhead; read the shares, not the sum).
const rows: Row[] = [];
for (let k = 0; k < files.length; k++) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vtlink-ort-profile-'));
  const session = await ort.InferenceSession.create(readFileSync(files[k]), options({ enableProfiling: true, profileFilePrefix: path.join(dir, 'profile') }));
  const profiled = Math.min(runs, 100);
  for (let r = 0; r < profiled; r++) await session.run(feeds[k]);
  session.endProfiling();
  await session.release();
  const events = JSON.parse(readFileSync(path.join(dir, readdirSync(dir)[0]), 'utf8')) as { cat: string; name: string; dur: number; args: { op_name?: string } }[];
  rmSync(dir, { recursive: true, force: true });
  const byOp = new Map<string, number>();
  for (const e of events) {
    if (e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.args.op_name) byOp.set(e.args.op_name, (byOp.get(e.args.op_name) ?? 0) + e.dur);
  }
  const total = [...byOp.values()].reduce((a, b) => a + b, 0);
  const top = [...byOp.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6);
  rows.push({
    model: `${path.relative(process.cwd(), files[k])}${batches[k] > 1 ? ` (batch ${batches[k]})` : ''}`,
    'median run ms': median(times[k]),
    'kernel ms / run (profiled)': total / profiled / 1000,
    'largest operators (share of kernel time)': top.map(([op, us]) => `${op} ${((100 * us) / total).toFixed(0)} %`).join(', '),
  });
}
console.log(`${runs} runs per model, round-robin, 1 ORT thread, noise input.`);
console.log('');
console.log(formatTable(rows));
console.log('');
console.log(reportFooter('bench/ort-profile.ts'));
