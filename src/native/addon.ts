/**
 * Loads the C++ addon (build/Release/vtlink_native.node, built by node-gyp during `npm ci`) and
 * declares its raw exports. The raw calls take flat numbers (N-API property reads cost more than the
 * kernels' setup); src/native/kernels.ts and notify.ts are the typed faces the rest of vtlink uses.
 *
 * There is no silent fallback to the TypeScript kernels: a missing addon is a broken install.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ADDON_FILE = path.join('build', 'Release', 'vtlink_native.node');

/** The raw exports of the kernels and system calls (capture backends add theirs to this module). */
export interface NativeAddon {
  simdLevel(): string;
  supportedSimdLevels(): string[];
  preprocess(
    data: Uint8Array,
    format: number,
    width: number,
    height: number,
    offset0: number,
    stride0: number,
    offset1: number,
    stride1: number,
    centerX: number,
    centerY: number,
    size: number,
    angle: number,
    out: Float32Array,
    outOffset: number,
    outSize: number,
    scale: number,
    offset: number,
    mirror: boolean,
    border: number,
    level: number,
  ): void;
  decodeBlazeFace(
    scores: readonly Float32Array[],
    boxes: readonly Float32Array[],
    inputSize: number,
    strides: readonly number[],
    anchorsPerLayer: number,
    anchorOffset: number,
    scoreThreshold: number,
    iouThreshold: number,
    maxDetections: number,
    out: Float32Array,
    level: number,
  ): number;
  decodeRetinaFace(
    priors: Float32Array,
    boxes: Float32Array,
    scores: Float32Array,
    landmarks: Float32Array | null,
    scoresAreLogits: boolean,
    variance0: number,
    variance1: number,
    scoreThreshold: number,
    iouThreshold: number,
    maxDetections: number,
    out: Float32Array,
  ): number;
  notify(state: string, socket?: string): boolean;
  encodePreviewJpeg(
    data: Uint8Array,
    format: number,
    width: number,
    height: number,
    offset0: number,
    stride0: number,
    offset1: number,
    stride1: number,
    maxWidth: number,
    quality: number,
  ): Promise<Buffer>;
}

export class NativeAddonMissingError extends Error {
  constructor(searched: readonly string[], cause?: unknown) {
    super(
      `the vtlink native addon is not built (looked for ${searched.join(', ')}): run \`npm ci\` or ` +
        '`npm run build:addon` (needs g++, make and python3)' +
        (cause instanceof Error ? `; loading failed with: ${cause.message}` : ''),
    );
    this.name = 'NativeAddonMissingError';
  }
}

/**
 * Where the addon may be: $VTLINK_NATIVE_ADDON, else build/Release under the nearest ancestor of this
 * module that has one (src/native in development, dist/ in the bundle, build/bench for benches).
 */
function candidates(): string[] {
  const fromEnv = process.env.VTLINK_NATIVE_ADDON;
  if (fromEnv) return [path.resolve(fromEnv)];
  const out: string[] = [];
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    out.push(path.join(dir, ADDON_FILE));
    const parent = path.dirname(dir);
    if (parent === dir) return out;
    dir = parent;
  }
}

let loaded: NativeAddon | undefined;

/** The addon, loaded once. Throws NativeAddonMissingError when it is not built. */
export function nativeAddon(): NativeAddon {
  if (loaded) return loaded;
  const searched = candidates();
  const file = searched.find((f) => existsSync(f));
  if (!file) throw new NativeAddonMissingError(searched.slice(0, 3));
  try {
    loaded = createRequire(import.meta.url)(file) as NativeAddon;
  } catch (err) {
    throw new NativeAddonMissingError([file], err);
  }
  return loaded;
}
