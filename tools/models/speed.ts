// Inference speed of facemesh-attention.onnx against what it replaces, facemesh.onnx (batch 1)
// plus iris.onnx (both eyes, batch 2): onnxruntime-node, 1 intra-op thread, all graph
// optimisations, random [0, 1] inputs. The three run round-robin in one process (the order
// rotating every round) so that machine noise hits all of them alike. With --profile, ONNX
// Runtime's per-node profile of each model is summed by op type.
//
// Usage: bash bench/run.sh tools/models/speed.ts [--runs 300] [--warmup 30] [--profile]
import { readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';

interface Entry {
  label: string;
  file: string;
  shape: number[];
}

const ENTRIES: Entry[] = [
  { label: 'facemesh-attention (batch 1)', file: 'models/facemesh-attention.onnx', shape: [1, 192, 192, 3] },
  { label: 'facemesh (batch 1)', file: 'models/facemesh.onnx', shape: [1, 192, 192, 3] },
  { label: 'iris (batch 2)', file: 'models/iris.onnx', shape: [2, 64, 64, 3] },
];

function option(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
}

function randomInput(shape: number[], seed: number): ort.Tensor {
  let s = seed;
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  });
  return new ort.Tensor('float32', data, shape);
}

function sessionOptions(profilePrefix?: string): ort.InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    ...(profilePrefix ? { enableProfiling: true, profileFilePrefix: profilePrefix } : {}),
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];

async function timeRoundRobin(runs: number, warmup: number): Promise<void> {
  const sessions = await Promise.all(ENTRIES.map((e) => ort.InferenceSession.create(e.file, sessionOptions())));
  const feeds = ENTRIES.map((e, i) => ({ [sessions[i].inputNames[0]]: randomInput(e.shape, i + 1) }));
  const times: number[][] = ENTRIES.map(() => []);
  for (let round = 0; round < warmup + runs; round++) {
    for (let k = 0; k < ENTRIES.length; k++) {
      const i = (round + k) % ENTRIES.length;
      const t0 = performance.now();
      await sessions[i].run(feeds[i]);
      if (round >= warmup) times[i].push(performance.now() - t0);
    }
  }
  const rows = ENTRIES.map((e, i) => ({ label: e.label, values: times[i] }));
  // Mesh + iris as a tracker runs them: per round, so a slow round counts once.
  rows.push({ label: 'facemesh + iris', values: times[1].map((t, r) => t + times[2][r]) });
  console.log(`${runs} rounds after ${warmup} warm-up rounds; ${os.cpus()[0]?.model ?? 'cpu'}; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log('| model | median ms | p10 ms | p90 ms |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const { label, values } of rows) {
    const sorted = [...values].sort((a, b) => a - b);
    console.log(`| ${label} | ${percentile(sorted, 0.5).toFixed(3)} | ${percentile(sorted, 0.1).toFixed(3)} | ${percentile(sorted, 0.9).toFixed(3)} |`);
  }
}

interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}

async function profile(runs: number, warmup: number): Promise<void> {
  for (const [i, e] of ENTRIES.entries()) {
    const prefix = path.join(os.tmpdir(), `vtlink-profile-${path.basename(e.file, '.onnx')}`);
    const session = await ort.InferenceSession.create(e.file, sessionOptions(prefix));
    const feed = { [session.inputNames[0]]: randomInput(e.shape, i + 1) };
    for (let r = 0; r < warmup + runs; r++) await session.run(feed);
    session.endProfiling();
    await session.release();
    const dir = path.dirname(prefix);
    const files = (await readdir(dir)).filter((f) => f.startsWith(path.basename(prefix)) && f.endsWith('.json'));
    const file = path.join(dir, files.sort().at(-1)!);
    const events = JSON.parse(await readFile(file, 'utf8')) as ProfileEvent[];
    await Promise.all(files.map((f) => rm(path.join(dir, f), { force: true })));
    // Kernel time per op type; the warm-up runs are in the profile too, so this is a share, not a time.
    const byOp = new Map<string, number>();
    let total = 0;
    for (const ev of events) {
      if (ev.cat !== 'Node' || !ev.name.endsWith('_kernel_time')) continue;
      const op = ev.args?.op_name ?? '?';
      byOp.set(op, (byOp.get(op) ?? 0) + ev.dur);
      total += ev.dur;
    }
    const rounds = warmup + runs;
    console.log(`\n${e.label}: kernel time ${(total / rounds / 1000).toFixed(3)} ms per run, by op type (after ORT's fusions):`);
    for (const [op, dur] of [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
      console.log(`  ${op.padEnd(22)} ${((100 * dur) / total).toFixed(1).padStart(5)} %  ${(dur / rounds / 1000).toFixed(3)} ms`);
    }
  }
}

const argv = process.argv.slice(2);
const runs = option(argv, '--runs', 300);
const warmup = option(argv, '--warmup', 30);
if (argv.includes('--profile')) await profile(runs, warmup);
else await timeRoundRobin(runs, warmup);
