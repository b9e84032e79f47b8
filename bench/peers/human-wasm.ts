/**
 * Loads @vladmandic/human's Node WASM build with everything local: the tfjs WASM binaries from
 * node_modules/@tensorflow/tfjs-backend-wasm/dist and the models from node_modules/@vladmandic/human/models.
 * Nothing is fetched from the network.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tfc from '@tensorflow/tfjs-core';
import type { Config, Human } from '@vladmandic/human';
import { repoRoot } from '../lib/paths';

export type Tf = typeof tfc;

interface HumanWasmModule {
  Human: new (config?: Partial<Config>) => Human;
}

/** Human's face path only: BlazeFace detector + FaceMesh + Iris; every other model off. */
export function humanFaceOnlyConfig(root: string): Partial<Config> {
  return {
    backend: 'wasm',
    // Trailing slash: tfjs treats wasmPath as a folder prefix and picks the (SIMD) binary itself.
    wasmPath: `${path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist')}/`,
    wasmPlatformFetch: false,
    modelBasePath: `file://${path.join(root, 'node_modules/@vladmandic/human/models')}/`,
    debug: false,
    async: false,
    warmup: 'none',
    cacheModels: false,
    // Image filters need a canvas; tensors bypass them anyway, so keep them off to be explicit.
    filter: { enabled: false },
    gesture: { enabled: false },
    body: { enabled: false },
    hand: { enabled: false },
    object: { enabled: false },
    segmentation: { enabled: false },
    face: {
      enabled: true,
      detector: { enabled: true, maxDetected: 1, rotation: false, return: false },
      mesh: { enabled: true },
      iris: { enabled: true },
      attention: { enabled: false },
      emotion: { enabled: false },
      description: { enabled: false },
      antispoof: { enabled: false },
      liveness: { enabled: false },
      gear: { enabled: false },
    },
  };
}

/** tfjs load router for file:// model URLs (Node's fetch cannot read files, and Human's WASM build uses fetch). */
function fileModelHandler(tf: Tf, url: string): tfc.io.IOHandler {
  const jsonPath = fileURLToPath(url);
  const dir = path.dirname(jsonPath);
  return {
    load: async () => {
      const modelJson = JSON.parse(await readFile(jsonPath, 'utf8')) as tfc.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tfc.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const file of group.paths) {
            const bytes = await readFile(path.join(dir, file));
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

export interface HumanWasm {
  human: Human;
  tf: Tf;
  /** What the WASM backend actually runs with, as tfjs reports it. */
  simd: boolean;
  multithread: boolean;
}

let loading: Promise<HumanWasm> | undefined;

/** One shared Human instance per process (Human keeps its models and caches in module state anyway). */
export function loadHumanWasm(): Promise<HumanWasm> {
  loading ??= (async () => {
    const root = repoRoot();
    // The package's "exports" map hides dist/human.node-wasm.js, so require it by file path.
    const require = createRequire(import.meta.url);
    const mod = require(path.join(root, 'node_modules/@vladmandic/human/dist/human.node-wasm.js')) as HumanWasmModule;
    const human = new mod.Human(humanFaceOnlyConfig(root));
    const tf = human.tf as Tf;
    tf.io.registerLoadRouter((url) => {
      const u = Array.isArray(url) ? url[0] : url;
      // The registry skips routers that answer null; its typing just does not say so.
      return (typeof u === 'string' && u.startsWith('file://') ? fileModelHandler(tf, u) : null) as tfc.io.IOHandler;
    });
    await human.load();
    await tf.ready();
    if (tf.getBackend() !== 'wasm') throw new Error(`Human runs on tfjs backend '${tf.getBackend()}', expected 'wasm'`);
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
    const multithread = (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true;
    return { human, tf, simd, multithread };
  })();
  return loading;
}
