/**
 * Script: raw onnxruntime-node time of any ONNX model file (inputs from the session's metadata).
 *   bash bench/run.sh bench/peers/onnx-model.ts --file PATH [--threads 1,2] [--runs 200] [--batch 1]
 */
import path from 'node:path';
import { parseArgs } from '../lib/args';
import { commandLine } from '../lib/command';
import { formatMachineInfo } from '../lib/machine';
import { formatTable } from '../lib/table';
import { timeOnnxModel } from './onnx-timer';

const args = parseArgs();
const file = args.get('file');
if (!file) throw new Error('--file PATH is required');
const rows = [];
for (const threads of (args.get('threads') ?? '1,2').split(',').map(Number)) {
  const t = await timeOnnxModel(file, {
    threads,
    runs: args.number('runs', 200),
    warmupRuns: args.number('warmup', 20),
    symbolicDim: args.number('batch', 1),
  });
  rows.push({
    model: path.basename(file),
    input: Object.values(t.inputShapes).map((s) => s.join('x')).join(', '),
    threads,
    runs: t.summary.n,
    'median ms': t.summary.medianMs,
    'p90 ms': t.summary.p90Ms,
    'min ms': t.summary.minMs,
    'CPU ms/run': t.cpuMsPerRun,
  });
}
console.log(formatTable(rows));
console.log();
console.log(formatMachineInfo());
console.log(`\nCommand: \`${commandLine('bench/peers/onnx-model.ts', process.argv.slice(2))}\``);
