// Bundles the service into dist/vtlink.mjs (one file; native bindings stay external)
// and copies the assets the bundle reads at run time next to it; then bundles the browser UI
// (ui/) into dist/ui/, which the service serves.
import { build } from 'esbuild';
import { access, copyFile, mkdir } from 'node:fs/promises';
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
// The PSD converter's worker thread (src/avatar/psd-worker.ts), loaded from beside the bundle.
await build({
  entryPoints: [path.join(root, 'src/avatar/psd-worker.ts')],
  outfile: path.join(root, 'dist/psd-worker.mjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
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

// The browser UI: the app (ui/src/main.ts) and the stand-alone avatar page (ui/src/avatar-page.ts,
// for OBS browser sources), each one ES module, with their pages and stylesheet next to them.
const uiOut = path.join(root, 'dist/ui');
await mkdir(uiOut, { recursive: true });
const exists = (p) => access(p).then(() => true, () => false);
const uiEntries = [];
for (const name of ['main', 'avatar-page']) {
  const entry = path.join(root, 'ui/src', `${name}.ts`);
  if (await exists(entry)) uiEntries.push({ in: entry, out: name });
}
await build({
  entryPoints: uiEntries,
  outdir: uiOut,
  bundle: true,
  platform: 'browser',
  target: ['chrome100', 'firefox100', 'safari15'],
  format: 'esm',
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
for (const file of ['index.html', 'avatar.html', 'styles.css']) {
  const from = path.join(root, 'ui', file);
  if (await exists(from)) await copyFile(from, path.join(uiOut, file));
}
