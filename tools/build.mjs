// Bundles the service into dist/vtlink.mjs (one file; native bindings stay external)
// and copies the assets the bundle reads at run time next to it.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
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
  // Native bindings load their .node files relative to their own package folder.
  external: ['onnxruntime-node', '@serialport/bindings-cpp'],
  // CommonJS dependencies inside an ES module bundle still call require().
  banner: { js: "import { createRequire as __vtlinkRequire } from 'node:module'; const require = __vtlinkRequire(import.meta.url);" },
  logLevel: 'warning',
});

// The demo face image ships inside an npm package; the bundle reads it from dist/assets.
// DEMO_IMAGE (src/capture/demo-image.ts) says which file and where the bundle expects it.
const demoModule = path.join(root, 'build/tools/demo-image.mjs');
await build({ entryPoints: [path.join(root, 'src/capture/demo-image.ts')], outfile: demoModule, bundle: true, platform: 'node', format: 'esm', packages: 'external', logLevel: 'warning' });
const { DEMO_IMAGE } = await import(demoModule);
const demoTarget = path.join(root, 'dist', DEMO_IMAGE.bundledPath);
await mkdir(path.dirname(demoTarget), { recursive: true });
await copyFile(path.join(root, 'node_modules', DEMO_IMAGE.package, DEMO_IMAGE.path), demoTarget);
