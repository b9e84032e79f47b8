// Bundles the service into dist/vtlink.mjs (one file; the native onnxruntime binding stays external)
// and copies the assets the bundle reads at run time next to it.
import { build } from 'esbuild';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

await build({
  entryPoints: [path.join(root, 'src/cli.ts')],
  outfile: path.join(root, 'dist/vtlink.mjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  external: ['onnxruntime-node'],
  // CommonJS dependencies inside an ES module bundle still call require().
  banner: { js: "import { createRequire as __vtlinkRequire } from 'node:module'; const require = __vtlinkRequire(import.meta.url);" },
  logLevel: 'warning',
});

// The demo face image ships inside an npm package; the bundle reads it from dist/assets.
const demoImage = JSON.parse(await readFile(path.join(root, 'src/capture/demo-image.json'), 'utf8'));
await mkdir(path.join(root, 'dist/assets'), { recursive: true });
await copyFile(path.join(root, 'node_modules', demoImage.package, demoImage.path), path.join(root, 'dist/assets', demoImage.file));
