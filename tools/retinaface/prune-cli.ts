// node build/tools/retinaface-prune.mjs IN.onnx OUT.onnx: writes the close-range (stride-8-free) model.
import { readFileSync, writeFileSync } from 'node:fs';
import { pruneFinestLevel } from './prune';

const [input, output] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: retinaface-prune IN.onnx OUT.onnx');
  process.exit(2);
}
const { model, report } = pruneFinestLevel(readFileSync(input));
writeFileSync(output, model);
console.log(`${output}: ${report.keptNodes} nodes kept, ${report.removedNodes} nodes and ${report.removedInitializers} initializers removed`);
