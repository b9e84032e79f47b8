/**
 * Why 2 ONNX Runtime intra-op threads track slower than 1 here (RESULTS "Speed"): the models run back
 * to back as the tracker runs them (mesh, then iris; the detector now and then), each session with its
 * own intra-op pool, with the pools' threads spin-waiting after each run (ORT's default) or not.
 *
 *   bash bench/run.sh bench/ort-threads.ts [--rounds N] [--repeat N]
 *
 * Every configuration loads its own sessions and releases them before the next; the list is repeated
 * (--repeat) in turn, so a drifting machine shows as spread between repeats, not as a bias.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { parseArgs } from './lib/args';
import { reportFooter } from './lib/command';
import { repoRoot } from './lib/paths';
import { median, percentile } from './lib/stats';
import { formatTable, type Row } from './lib/table';

const args = parseArgs();
const rounds = args.number('rounds', 400);
const repeat = args.number('repeat', 2);

interface Config {
  label: string;
  threads: number;
  spinning: boolean;
}

const CONFIGS: readonly Config[] = [
  { label: '1 thread', threads: 1, spinning: true },
  { label: '2 threads, spinning (ORT default)', threads: 2, spinning: true },
  { label: '2 threads, no spinning', threads: 2, spinning: false },
];

async function load(file: string, shape: number[], config: Config): Promise<{ session: ort.InferenceSession; feeds: Record<string, ort.Tensor> }> {
  const options: ort.InferenceSession.SessionOptions = { intraOpNumThreads: config.threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', logSeverityLevel: 3 };
  if (!config.spinning) options.extra = { session: { intra_op: { allow_spinning: '0' } } };
  const session = await ort.InferenceSession.create(readFileSync(path.join(repoRoot(), 'models', file)), options);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = Math.random();
  return { session, feeds: { [session.inputNames[0]]: new ort.Tensor('float32', data, shape) } };
}

async function run(config: Config): Promise<{ median: number; p90: number; cpu: number }> {
  const detector = await load('blazeface-front.onnx', [1, 128, 128, 3], config);
  const mesh = await load('facemesh.onnx', [1, 192, 192, 3], config);
  const iris = await load('iris.onnx', [2, 64, 64, 3], config);
  const times: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let r = 0; r < rounds + 30; r++) {
    const t0 = performance.now();
    await mesh.session.run(mesh.feeds);
    await iris.session.run(iris.feeds);
    if (r % 50 === 0) await detector.session.run(detector.feeds);
    if (r >= 30) times.push(performance.now() - t0);
  }
  const used = process.cpuUsage(cpu0);
  await Promise.all([detector, mesh, iris].map((m) => m.session.release()));
  return { median: median(times), p90: percentile(times, 90), cpu: (used.user + used.system) / 1000 / (rounds + 30) };
}

const rows: Row[] = [];
for (let k = 0; k < repeat; k++) {
  for (const config of CONFIGS) {
    const r = await run(config);
    rows.push({ configuration: config.label, repeat: k + 1, 'mesh + iris median ms': r.median, 'p90 ms': r.p90, 'CPU ms per round': r.cpu });
  }
}
console.log(`FaceMesh then Iris (both eyes), back to back, ${rounds} rounds (the front detector every 50th); noise inputs; three sessions, each with its own pool.`);
console.log('');
console.log(formatTable(rows));
console.log('');
console.log(reportFooter('bench/ort-threads.ts'));
