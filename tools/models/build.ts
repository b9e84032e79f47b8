// Reproducible model build: verifies the source files against models/manifest.json,
// converts/copies them into models/*.onnx, and checks the outputs' hashes.
// Runs on every npm install, so the up-to-date path only hashes four files.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CONVERTER_VERSION, produceModel } from './produce';
import { MODEL_SPECS, type ModelSpec, type Normalization, type TensorDescription } from './specs';

export { CONVERTER_VERSION } from './produce';

export interface ManifestFile {
  path: string;
  sha256: string;
}

export interface ManifestEntry {
  file: string;
  sha256: string;
  conversion: ModelSpec['kind'];
  source: { package: string; version: string; files: ManifestFile[] };
  inputs: TensorDescription[];
  outputs: TensorDescription[];
  layout: 'NHWC';
  normalization: Normalization;
  notes: Record<string, unknown>;
}

export interface Manifest {
  description: string;
  converterVersion: string;
  models: Record<string, ManifestEntry>;
}

export interface BuildOptions {
  repoRoot: string;
  /** Where source packages are installed (default `<repoRoot>/node_modules`). */
  nodeModulesDir?: string;
  /** Where the .onnx files go (default `<repoRoot>/models`). */
  modelsDir?: string;
  /** Default `<modelsDir>/manifest.json`. */
  manifestPath?: string;
  /** Accept current sources and converter output and rewrite the manifest's hashes. */
  updateManifest?: boolean;
  log?: (line: string) => void;
}

export interface BuildReport {
  upToDate: boolean;
  built: string[];
  manifestUpdated: boolean;
}

export class ChecksumError extends Error {
  constructor(readonly file: string, readonly expected: string, readonly actual: string, what: string) {
    super(`${what} ${file}: sha256 ${actual} does not match models/manifest.json (expected ${expected})`);
    this.name = 'ChecksumError';
  }
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

async function sha256OfFile(file: string): Promise<string | undefined> {
  try {
    return sha256(await readFile(file));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function readManifest(manifestPath: string): Promise<Manifest | undefined> {
  try {
    return JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function buildModels(options: BuildOptions): Promise<BuildReport> {
  const nodeModulesDir = options.nodeModulesDir ?? path.join(options.repoRoot, 'node_modules');
  const modelsDir = options.modelsDir ?? path.join(options.repoRoot, 'models');
  const manifestPath = options.manifestPath ?? path.join(modelsDir, 'manifest.json');
  const log = options.log ?? ((line: string) => console.log(line));
  const update = options.updateManifest ?? false;
  const manifest = await readManifest(manifestPath);
  if (!manifest && !update) {
    throw new Error(`${manifestPath} is missing: run \`npm run models -- --update-manifest\` to create it`);
  }

  const stale: ModelSpec[] = [];
  for (const spec of MODEL_SPECS) {
    const entry = manifest?.models[spec.id];
    const actual = await sha256OfFile(path.join(modelsDir, spec.file));
    if (update || !entry || actual !== entry.sha256) stale.push(spec);
  }
  if (stale.length === 0) {
    log(`models: ${MODEL_SPECS.length} up to date (${path.relative(options.repoRoot, manifestPath) || manifestPath})`);
    return { upToDate: true, built: [], manifestUpdated: false };
  }

  await mkdir(modelsDir, { recursive: true });
  const entries: Record<string, ManifestEntry> = { ...(manifest?.models ?? {}) };
  // Verify every needed source before producing anything, so a refusal leaves nothing half-built.
  const verified = [];
  for (const spec of stale) {
    const entry = manifest?.models[spec.id];
    if (!entry && !update) throw new Error(`models/manifest.json has no entry for ${spec.id}: run with --update-manifest`);
    const packageDir = path.join(nodeModulesDir, spec.sourcePackage);
    const version = await packageVersion(packageDir);
    const sources = await verifySources(spec, packageDir, update ? undefined : entry);
    verified.push({ spec, entry, packageDir, version, sources });
  }
  for (const { spec, entry, packageDir, version, sources } of verified) {
    const bytes = await produceModel(spec, packageDir, version);
    const digest = sha256(bytes);
    if (!update && entry && digest !== entry.sha256) {
      throw new ChecksumError(spec.file, entry.sha256, digest, 'built model (the converter changed? run `npm run models -- --update-manifest`)');
    }
    await writeAtomically(path.join(modelsDir, spec.file), bytes);
    entries[spec.id] = manifestEntry(spec, version, sources, digest);
    log(`models: built ${spec.file} (${bytes.length} bytes, sha256 ${digest.slice(0, 12)})`);
  }
  if (update) {
    const next: Manifest = {
      description:
        'Models built by tools/models/build.ts (npm run models) from pinned npm packages. Hashes are checked on every build; descriptions tell consumers how to feed and decode each model.',
      converterVersion: CONVERTER_VERSION,
      models: Object.fromEntries(MODEL_SPECS.map((s) => [s.id, entries[s.id]])),
    };
    await writeAtomically(manifestPath, new TextEncoder().encode(`${JSON.stringify(next, null, 2)}\n`));
    log(`models: wrote ${manifestPath}`);
  }
  return { upToDate: false, built: stale.map((s) => s.id), manifestUpdated: update };
}

async function packageVersion(packageDir: string): Promise<string> {
  const file = path.join(packageDir, 'package.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(`source package missing: ${file} not found (run npm install; the build never downloads)`);
  }
  const version = (JSON.parse(text) as { version?: unknown }).version;
  if (typeof version !== 'string') throw new Error(`${file} has no version`);
  return version;
}

/** Hashes the spec's source files; with an entry, refuses any file whose hash differs. */
async function verifySources(spec: ModelSpec, packageDir: string, entry: ManifestEntry | undefined): Promise<ManifestFile[]> {
  const files: ManifestFile[] = [];
  for (const relative of spec.sourceFiles) {
    const file = path.join(packageDir, relative);
    const actual = await sha256OfFile(file);
    if (actual === undefined) throw new Error(`source file missing: ${file}`);
    const expected = entry?.source.files.find((f) => f.path === relative)?.sha256;
    if (entry && expected !== actual) {
      throw new ChecksumError(file, expected ?? '(not listed)', actual, 'refusing source file');
    }
    files.push({ path: relative, sha256: actual });
  }
  return files;
}

function manifestEntry(spec: ModelSpec, version: string, files: ManifestFile[], digest: string): ManifestEntry {
  return {
    file: spec.file,
    sha256: digest,
    conversion: spec.kind,
    source: { package: spec.sourcePackage, version, files },
    inputs: spec.inputs,
    outputs: spec.outputs,
    layout: spec.layout,
    normalization: spec.normalization,
    notes: spec.notes,
  };
}

/** Write then rename, so an interrupted build never leaves a truncated model behind. */
async function writeAtomically(file: string, data: Uint8Array): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temp, data);
    await rename(temp, file);
  } finally {
    await rm(temp, { force: true });
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  const unknown = argv.filter((a) => a !== '--update-manifest');
  if (unknown.length) {
    console.error(`models: unknown argument(s) ${unknown.join(' ')} (only --update-manifest)`);
    return 2;
  }
  try {
    await buildModels({ repoRoot: process.cwd(), updateManifest: argv.includes('--update-manifest') });
    return 0;
  } catch (error) {
    console.error(`models: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

// Run only as the bundled entry point (build/tools/models.mjs), not when imported by tests.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
