/**
 * Script: raw onnxruntime-node times of OpenSeeFace's models, 1 and 2 intra-op threads.
 *   bash bench/run.sh bench/peers/openseeface.ts [--model-dir DIR] [--threads 1,2] [--runs-scale X] [--json FILE]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from '../lib/args';
import { commandLine } from '../lib/command';
import { formatMachineInfo } from '../lib/machine';
import { formatTable } from '../lib/table';
import { runOpenSeeFaceRaw } from './openseeface-raw';
import { openSeeFaceModelRows, openSeeFaceNotes, openSeeFacePerFrameRows } from './openseeface-report';

const args = parseArgs();
const threads = (args.get('threads') ?? '1,2').split(',').map(Number);
const result = await runOpenSeeFaceRaw({
  modelDir: args.get('model-dir'),
  threads,
  runsScale: args.number('runs-scale', 1),
});

const modelRows = openSeeFaceModelRows(result);
if (modelRows.length) {
  console.log(formatTable(modelRows));
  console.log();
}
if (result.perFrame.length) {
  console.log(formatTable(openSeeFacePerFrameRows(result)));
  console.log();
}
console.log(openSeeFaceNotes(result));
console.log(formatMachineInfo());
console.log(`\nCommand: \`${commandLine('bench/peers/openseeface.ts', process.argv.slice(2))}\``);
const jsonOut = args.get('json');
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(result, null, 1));
