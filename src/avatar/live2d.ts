/**
 * Live2D models the user brings, and the Cubism Core they must bring too (README.md, "Live2D"):
 *
 *   <state>/avatars/live2d/<id>/model.json      our record: name, the .model3.json's path, the files
 *   <state>/avatars/live2d/<id>/files/…          the zip's files, as they were in the zip
 *   <state>/avatars/cubism-core/live2dcubismcore.min.js
 *
 * vtlink never ships Cubism Core (Live2D's licence forbids it); without it a model is stored but
 * cannot be chosen. A model zip is received to `incoming.zip`, checked (sizes, names, exactly one
 * .model3.json, the files it names present, the .moc3's signature), extracted into `<id>.partial/`
 * and renamed into place: it appears whole or not at all, and a refused zip changes nothing.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { z } from 'zod';
import { removeIfPresent, syncDir, writeJsonDurably } from '../config/durable-fs';
import type { Logger } from '../system/log';
import { OneAtATime, removeItemFolder } from './folders';
import { LIVE2D_CHOICE_PREFIX, live2dIdOfChoice } from './parts';
import { checkRoom, receiveToFile, UploadError, type UploadProblem } from '../system/upload';

export const LIVE2D_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const CUBISM_CORE_FILE = 'live2dcubismcore.min.js';

export const LIVE2D_LIMITS = {
  /** The zip as uploaded. */
  maxZipBytes: 100 * 1024 * 1024,
  /** All files unzipped together (a zip bomb is stopped here, counted as it inflates). */
  maxUnzippedBytes: 300 * 1024 * 1024,
  maxFiles: 1000,
  /** Cubism Core is about 200 KB; a file far larger is something else. */
  maxCoreBytes: 4 * 1024 * 1024,
};
export type Live2DLimits = typeof LIVE2D_LIMITS;

/** What a user reads when a Live2D model cannot be shown for want of Cubism Core. */
export const CUBISM_CORE_MISSING =
  'Live2D needs Cubism Core, which vtlink cannot ship: its licence (Live2D Proprietary Software License) does not allow us to pass it on. ' +
  'Download the Cubism SDK for Web from live2d.com, and add its Core/live2dcubismcore.min.js in Settings › Avatar › Live2D (or PUT /api/avatars/cubism-core)';

export type Live2DRefusalCode =
  | UploadProblem
  | 'length-required'
  | 'file-too-large'
  | 'not-a-zip'
  | 'unsafe-path'
  | 'too-many-files'
  | 'too-large-unzipped'
  | 'no-model3-json'
  | 'several-model3-json'
  | 'bad-model3-json'
  | 'model-file-missing'
  | 'not-a-moc3'
  | 'not-cubism-core'
  | 'avatar-busy'
  | 'model-not-found'
  | 'avatar-in-use';

export class Live2DRefusal extends Error {
  constructor(
    readonly code: Live2DRefusalCode,
    message: string,
  ) {
    super(message);
    this.name = 'Live2DRefusal';
  }
}

const Live2DRecordSchema = z.object({
  format: z.literal(1),
  id: z.string().regex(LIVE2D_ID_PATTERN),
  name: z.string().min(1).max(128),
  /** The .model3.json, relative to files/ ("/"-separated). */
  model: z.string(),
  /** Every file extracted, relative to files/: the only paths served. */
  files: z.array(z.string()),
  sourceFile: z.string().max(255).nullable(),
  unzippedBytes: z.int().min(0),
  createdAt: z.string(),
});
export type Live2DRecord = z.infer<typeof Live2DRecordSchema>;

/** What GET /api/avatars/live2d lists for each model. */
export interface Live2DSummary {
  id: string;
  choice: string;
  name: string;
  /** The .model3.json's URL on the box (the avatar page loads it from there). */
  modelUrl: string;
  createdAt: string;
}

/** The .model3.json fields we check: the files it names must be in the zip. */
const Model3Schema = z.looseObject({
  Version: z.number(),
  FileReferences: z.looseObject({
    Moc: z.string().min(1),
    Textures: z.array(z.string().min(1)).min(1),
    Physics: z.string().optional(),
    Pose: z.string().optional(),
    DisplayInfo: z.string().optional(),
  }),
});

export function live2dFilesUrl(id: string, file: string): string {
  return `/api/avatars/live2d/files/${id}/${file.split('/').map(encodeURIComponent).join('/')}`;
}

/**
 * A zip entry's name as a safe relative path, or why not. Zips use "/"; a "\\" is refused rather than
 * guessed at, as are absolute paths, drive letters, "..", and names that are not plain text.
 */
export function safeEntryPath(name: string): string | { problem: string } {
  if (name.length === 0 || name.length > 255) return { problem: 'an empty or over-long name' };
  // eslint-disable-next-line no-control-regex
  if (/[\\:\x00-\x1f]/.test(name)) return { problem: 'a backslash, colon or control character in the name' };
  if (name.startsWith('/')) return { problem: 'an absolute path' };
  const parts = name.replace(/\/$/, '').split('/');
  if (parts.some((p) => p === '..' || p === '.' || p === '')) return { problem: 'a ".." or empty part in the path' };
  return parts.join('/');
}

export interface Live2DModelsOptions {
  /** The state folder; models go in `<stateDir>/avatars/live2d/`, Core in `<stateDir>/avatars/cubism-core/`. */
  stateDir: string;
  /** settings.avatar.choice now: the chosen model cannot be removed. */
  selected: () => string;
  log: Logger;
  limits?: Live2DLimits;
  uploadIdleMs?: number;
  freeBytes?: (dir: string) => Promise<number>;
}

export class Live2DModels {
  readonly limits: Live2DLimits;
  private readonly dir: string;
  private readonly coreFile: string;
  private readonly models = new Map<string, Live2DRecord>();
  private readonly imports = new OneAtATime(() => new Live2DRefusal('avatar-busy', 'another Live2D file is being received: wait for it to finish'));

  private constructor(private readonly options: Live2DModelsOptions) {
    this.dir = path.join(options.stateDir, 'avatars', 'live2d');
    this.coreFile = path.join(options.stateDir, 'avatars', 'cubism-core', CUBISM_CORE_FILE);
    this.limits = options.limits ?? LIVE2D_LIMITS;
  }

  /** Loads the models there are; leftovers of an import cut short are removed. */
  static async open(options: Live2DModelsOptions): Promise<Live2DModels> {
    const store = new Live2DModels(options);
    await mkdir(store.dir, { recursive: true, mode: 0o700 });
    await mkdir(path.dirname(store.coreFile), { recursive: true, mode: 0o700 });
    await removeIfPresent(`${store.coreFile}.part`);
    for (const entry of await readdir(store.dir, { withFileTypes: true })) {
      const full = path.join(store.dir, entry.name);
      if (entry.name.endsWith('.partial') || entry.name === 'incoming.zip') {
        await rm(full, { recursive: true, force: true });
        continue;
      }
      if (!entry.isDirectory()) continue;
      try {
        const record = Live2DRecordSchema.parse(JSON.parse(await readFile(path.join(full, 'model.json'), 'utf8')));
        if (record.id !== entry.name) throw new Error(`its record names it ${record.id}`);
        store.models.set(record.id, record);
      } catch (err) {
        options.log.warn(`avatar: ignoring the Live2D model in ${full}: ${(err as Error).message}`);
      }
    }
    return store;
  }

  has(id: string): boolean {
    return this.models.has(id);
  }

  async coreInstalled(): Promise<boolean> {
    return stat(this.coreFile).then(
      (s) => s.isFile(),
      () => false,
    );
  }

  /** The user's Cubism Core, or null. */
  coreFilePath(): string {
    return this.coreFile;
  }

  list(): Live2DSummary[] {
    return [...this.models.values()]
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .map((r) => ({ id: r.id, choice: `${LIVE2D_CHOICE_PREFIX}${r.id}`, name: r.name, modelUrl: live2dFilesUrl(r.id, r.model), createdAt: r.createdAt }));
  }

  /** The path of one of a model's files (only those it was imported with), or null. */
  file(id: string, relative: string): string | null {
    const record = this.models.get(id);
    if (!record || !record.files.includes(relative)) return null;
    return path.join(this.dir, id, 'files', ...relative.split('/'));
  }

  /** Why `choice` cannot be shown, or null when it can (a Live2D choice needs the model and Core). */
  async choiceProblem(choice: string): Promise<string | null> {
    const id = live2dIdOfChoice(choice);
    if (id === null) return null;
    if (!this.models.has(id)) return `no Live2D model "${id}": import it first (GET /api/avatars/live2d lists them)`;
    if (!(await this.coreInstalled())) return CUBISM_CORE_MISSING;
    return null;
  }

  /** Receives the user's live2dcubismcore.min.js; replaces the one there was. */
  async importCore(body: Readable, declaredBytes: number | null): Promise<void> {
    if (declaredBytes === null) throw new Live2DRefusal('length-required', 'send the file with a Content-Length');
    if (declaredBytes > this.limits.maxCoreBytes) {
      throw new Live2DRefusal('file-too-large', `the file is ${mb(declaredBytes)}; Cubism Core is about 0.2 MB (at most ${mb(this.limits.maxCoreBytes)} is accepted)`);
    }
    await this.imports.run(async () => {
      const part = `${this.coreFile}.part`;
      try {
        await checkRoom(path.dirname(this.coreFile), 'Cubism Core', declaredBytes, 0, this.options.freeBytes);
        await receiveToFile(body, { file: part, declaredBytes, idleTimeoutMs: this.options.uploadIdleMs ?? 60_000 });
        // Live2D's own file defines this global; anything else (a page saved by mistake, the SDK zip) is refused.
        if (!(await readFile(part, 'latin1')).includes('Live2DCubismCore')) {
          throw new Live2DRefusal('not-cubism-core', `this is not Cubism Core: take Core/${CUBISM_CORE_FILE} from the Cubism SDK for Web (live2d.com)`);
        }
        await rename(part, this.coreFile);
        await syncDir(path.dirname(this.coreFile));
        this.options.log.info('avatar: Cubism Core added');
      } catch (err) {
        if (err instanceof UploadError) throw new Live2DRefusal(err.code, err.message);
        throw err;
      } finally {
        await removeIfPresent(part).catch(() => undefined);
      }
    });
  }

  /** Receives a zip of a Live2D model folder and stores it, or refuses it with nothing kept. */
  async importZip(body: Readable, declaredBytes: number | null, fileName: string | null): Promise<Live2DSummary> {
    if (declaredBytes === null) throw new Live2DRefusal('length-required', 'send the zip with a Content-Length');
    if (declaredBytes > this.limits.maxZipBytes) {
      throw new Live2DRefusal('file-too-large', `the zip is ${mb(declaredBytes)}; at most ${mb(this.limits.maxZipBytes)} is accepted`);
    }
    return this.imports.run(async () => {
      const incoming = path.join(this.dir, 'incoming.zip');
      try {
        // Room for the zip and for what it unzips to (at most the cap).
        await checkRoom(this.dir, 'the model', declaredBytes, this.limits.maxUnzippedBytes, this.options.freeBytes);
        await receiveToFile(body, { file: incoming, declaredBytes, idleTimeoutMs: this.options.uploadIdleMs ?? 60_000 });
        return await this.extract(incoming, fileName);
      } catch (err) {
        if (err instanceof UploadError) throw new Live2DRefusal(err.code, err.message);
        throw err;
      } finally {
        await removeIfPresent(incoming).catch(() => undefined);
      }
    });
  }

  async remove(id: string): Promise<void> {
    if (!this.models.has(id)) throw new Live2DRefusal('model-not-found', `no Live2D model "${id}" (GET /api/avatars/live2d lists them)`);
    if (this.options.selected() === `${LIVE2D_CHOICE_PREFIX}${id}`) throw new Live2DRefusal('avatar-in-use', 'this avatar is on screen: choose another one first');
    this.models.delete(id);
    await removeItemFolder(this.dir, id);
  }


  private async extract(zipFile: string, fileName: string | null): Promise<Live2DSummary> {
    const id = this.newId(fileName);
    const partial = path.join(this.dir, `${id}.partial`);
    try {
      await mkdir(path.join(partial, 'files'), { recursive: true, mode: 0o700 });
      const { files, unzippedBytes } = await unzipChecked(zipFile, path.join(partial, 'files'), this.limits);
      const model = await checkModel(path.join(partial, 'files'), files);
      const record: Live2DRecord = {
        format: 1,
        id,
        name: displayName(fileName, model),
        model,
        files,
        sourceFile: fileName?.slice(0, 255) ?? null,
        unzippedBytes,
        createdAt: new Date().toISOString(),
      };
      await writeJsonDurably(path.join(partial, 'model.json'), Live2DRecordSchema.parse(record));
      await rename(partial, path.join(this.dir, id));
      await syncDir(this.dir);
      this.models.set(id, record);
      this.options.log.info(`avatar: imported the Live2D model ${record.name} as ${id} (${files.length} files)`);
      return this.list().find((m) => m.id === id)!;
    } catch (err) {
      await rm(partial, { recursive: true, force: true }).catch(() => undefined);
      if (err instanceof Live2DRefusal) this.options.log.warn(`avatar: ${fileName ?? 'a Live2D zip'} refused: ${err.message}`);
      throw err;
    }
  }

  private newId(fileName: string | null): string {
    const base = (displayName(fileName, '').normalize('NFKD').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'live2d').slice(0, 40);
    for (;;) {
      const id = `${base}-${randomBytes(3).toString('hex')}`;
      if (LIVE2D_ID_PATTERN.test(id) && !this.models.has(id)) return id;
    }
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function displayName(fileName: string | null, model: string): string {
  const fromFile = (fileName ?? '').replace(/\.zip$/i, '').trim();
  const fromModel = path.posix.basename(model).replace(/\.model3\.json$/i, '');
  return (fromFile || fromModel).slice(0, 128) || 'Live2D model';
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    // Backslashes become "/" (zips made on Windows); yauzl then refuses "..", absolute paths and odd characters.
    yauzl.open(file, { lazyEntries: true, autoClose: true, strictFileNames: false, validateEntrySizes: true, decodeStrings: true }, (err, zip) => (err ? reject(err) : resolve(zip))),
  );
}

/**
 * Extracts every file of the zip into `outDir`, checking each name and counting the bytes as they
 * inflate (a zip's declared sizes may lie); refuses the whole zip at the first problem.
 */
async function unzipChecked(zipFile: string, outDir: string, limits: Live2DLimits): Promise<{ files: string[]; unzippedBytes: number }> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(zipFile);
  } catch (err) {
    throw new Live2DRefusal('not-a-zip', `not a readable zip file (${(err as Error).message}): zip the model's folder and send the .zip`);
  }
  const files: string[] = [];
  let unzippedBytes = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', (err: Error) => {
        // yauzl checks the names too, before we see them ("invalid relative path: ../x", "absolute path: /x").
        const unsafe = /^(invalid relative path|absolute path|invalid characters in fileName)/.test(err.message);
        reject(unsafe ? new Live2DRefusal('unsafe-path', `the zip holds an unsafe name (${err.message}); zip the model's folder as it is`) : new Live2DRefusal('not-a-zip', `the zip is damaged (${err.message})`));
      });
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        void (async () => {
          const safe = safeEntryPath(entry.fileName);
          if (typeof safe !== 'string') throw new Live2DRefusal('unsafe-path', `the zip holds "${entry.fileName.slice(0, 200)}": ${safe.problem}; zip the model's folder as it is`);
          if (entry.fileName.endsWith('/')) return; // a folder: made as its files need it
          if (files.length >= limits.maxFiles) throw new Live2DRefusal('too-many-files', `the zip holds more than ${limits.maxFiles} files`);
          if (unzippedBytes + entry.uncompressedSize > limits.maxUnzippedBytes) throw tooLarge(limits);
          if (files.some((f) => f.toLowerCase() === safe.toLowerCase())) throw new Live2DRefusal('unsafe-path', `the zip holds "${safe}" twice`);
          const target = path.join(outDir, ...safe.split('/'));
          await mkdir(path.dirname(target), { recursive: true });
          const source = await new Promise<Readable>((res, rej) => zip.openReadStream(entry, (err, stream) => (err ? rej(err) : res(stream))));
          source.on('data', (chunk: Buffer) => {
            unzippedBytes += chunk.length;
            if (unzippedBytes > limits.maxUnzippedBytes) source.destroy(tooLarge(limits));
          });
          await pipeline(source, createWriteStream(target, { flags: 'wx', mode: 0o600 }));
          files.push(safe);
        })().then(
          () => zip.readEntry(),
          (err: unknown) => {
            zip.close();
            reject(err instanceof Live2DRefusal ? err : new Live2DRefusal('not-a-zip', `the zip could not be read (${(err as Error).message})`));
          },
        );
      });
      zip.readEntry();
    });
  } finally {
    if (zip.isOpen) zip.close();
  }
  return { files, unzippedBytes };
}

function tooLarge(limits: Live2DLimits): Live2DRefusal {
  return new Live2DRefusal('too-large-unzipped', `the zip's files take more than ${mb(limits.maxUnzippedBytes)} unzipped`);
}

/** Exactly one .model3.json, readable, naming files that are in the zip; the .moc3 is one. Returns its path. */
async function checkModel(filesDir: string, files: string[]): Promise<string> {
  const models = files.filter((f) => f.toLowerCase().endsWith('.model3.json'));
  if (models.length === 0) {
    throw new Live2DRefusal('no-model3-json', 'the zip holds no .model3.json: zip the folder of a Cubism 3 or later model (Cubism 2 .model.json models are not supported)');
  }
  if (models.length > 1) throw new Live2DRefusal('several-model3-json', `the zip holds ${models.length} .model3.json files (${models.slice(0, 3).join(', ')}): zip one model at a time`);
  const model = models[0];
  let parsed: z.infer<typeof Model3Schema>;
  try {
    parsed = Model3Schema.parse(JSON.parse((await readFile(path.join(filesDir, ...model.split('/')), 'utf8')).replace(/^\uFEFF/, '')));
  } catch (err) {
    const why = err instanceof z.ZodError ? 'FileReferences.Moc and FileReferences.Textures are missing' : (err as Error).message;
    throw new Live2DRefusal('bad-model3-json', `${model} is not a model3.json vtlink can read: ${why}`);
  }
  const refs = parsed.FileReferences;
  const folder = path.posix.dirname(model);
  const named = [refs.Moc, ...refs.Textures, refs.Physics, refs.Pose, refs.DisplayInfo].filter((f): f is string => typeof f === 'string');
  for (const ref of named) {
    const inZip = path.posix.normalize(folder === '.' ? ref : `${folder}/${ref}`);
    if (!files.includes(inZip)) throw new Live2DRefusal('model-file-missing', `${model} names ${ref}, which is not in the zip`);
  }
  const moc = path.posix.normalize(folder === '.' ? refs.Moc : `${folder}/${refs.Moc}`);
  const head = (await readFile(path.join(filesDir, ...moc.split('/')))).subarray(0, 4).toString('latin1');
  if (head !== 'MOC3') throw new Live2DRefusal('not-a-moc3', `${refs.Moc} is not a Cubism .moc3 file (no MOC3 signature)`);
  return model;
}
