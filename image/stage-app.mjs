// Assembles /opt/vtlink for the image: the bundled service (dist/), its native addon, the models and
// only the run-time node_modules (the two packages the bundle leaves external, with their dependency
// closure from package-lock.json, and only the target architecture's native binaries).
//
//   node image/stage-app.mjs --arch amd64|arm64 --out DIR [--addon PATH]
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { arch: { type: 'string' }, out: { type: 'string' }, addon: { type: 'string' } } });
const debArch = values.arch;
const nodeArch = { amd64: 'x64', arm64: 'arm64' }[debArch ?? ''];
if (!nodeArch || !values.out) throw new Error('usage: stage-app.mjs --arch amd64|arm64 --out DIR [--addon PATH]');
const out = path.resolve(values.out);

// Packages the bundle loads with require()/import at run time (tools/build.mjs `external`).
const RUNTIME_ROOTS = ['onnxruntime-node', '@serialport/bindings-cpp'];

function need(file) {
  if (!existsSync(file)) throw new Error(`missing ${path.relative(root, file)}: run \`npm ci && npm run build\` first`);
  return file;
}

/** The package-lock entries reachable from `roots`, resolved the way Node resolves them. */
function runtimeClosure(roots) {
  const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8')).packages;
  const seen = new Set();
  const visit = (name, from) => {
    for (let dir = from; ; ) {
      const key = `${dir ? `${dir}/` : ''}node_modules/${name}`;
      if (lock[key]) {
        if (seen.has(key)) return;
        seen.add(key);
        const entry = lock[key];
        for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) visit(dep, key);
        return;
      }
      if (!dir) throw new Error(`${name} (needed by ${from || 'vtlink'}) is not in package-lock.json`);
      const cut = dir.lastIndexOf('/node_modules/');
      dir = cut < 0 ? '' : dir.slice(0, cut);
    }
  };
  for (const name of roots) visit(name, '');
  return [...seen].sort();
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// package.json: src/system/paths.ts finds the install by its name; "type": "module" for dist/*.mjs.
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
writeFileSync(
  path.join(out, 'package.json'),
  `${JSON.stringify({ name: pkg.name, version: pkg.version, description: pkg.description, license: pkg.license, private: true, type: 'module', bin: pkg.bin }, null, 2)}\n`,
);
need(path.join(root, 'dist', 'vtlink.mjs'));
need(path.join(root, 'dist', 'ui', 'index.html'));
// Source maps (MBs) and development-only bundles stay off the device.
const DEV_ONLY = new Set(['dev-server.mjs']);
cpSync(path.join(root, 'dist'), path.join(out, 'dist'), {
  recursive: true,
  filter: (src) => !src.endsWith('.map') && !DEV_ONLY.has(path.basename(src)),
});
mkdirSync(path.join(out, 'models'), { recursive: true });
for (const entry of readdirSync(need(path.join(root, 'models')))) {
  if (entry.endsWith('.onnx') || entry === 'manifest.json' || entry === 'README.md') cpSync(path.join(root, 'models', entry), path.join(out, 'models', entry));
}
const addon = values.addon ? path.resolve(values.addon) : path.join(root, 'build', 'Release', 'vtlink_native.node');
cpSync(need(addon), path.join(out, 'build', 'Release', 'vtlink_native.node'));
if (existsSync(path.join(root, 'README.md'))) cpSync(path.join(root, 'README.md'), path.join(out, 'README.md'));

for (const key of runtimeClosure(RUNTIME_ROOTS)) {
  cpSync(path.join(root, key), path.join(out, key), {
    recursive: true,
    filter: (src) => keep(path.relative(path.join(root, key), src)),
  });
}

/** Drops other platforms' native binaries from a package folder. */
function keep(rel) {
  const parts = rel.split(path.sep);
  // onnxruntime-node: bin/napi-v6/<os>/<arch>/
  const napi = parts.indexOf('napi-v6');
  if (napi >= 0 && parts.length > napi + 1 && parts[napi + 1] !== 'linux') return false;
  if (napi >= 0 && parts.length > napi + 2 && parts[napi + 2] !== nodeArch) return false;
  // @serialport/bindings-cpp: prebuilds/<os>-<arch>/
  const pre = parts.indexOf('prebuilds');
  if (pre >= 0 && parts.length > pre + 1 && parts[pre + 1] !== `linux-${nodeArch}`) return false;
  return true;
}
console.log(`staged ${out} (${debArch})`);
