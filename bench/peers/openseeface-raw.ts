/**
 * OpenSeeFace's ONNX models timed raw in onnxruntime-node: what its tracker pays for inference alone
 * per frame (landmark model 0 + the gaze model on both eyes), and its two detectors for reference.
 * The models are OpenSeeFace's (BSD-2) from ../shared/data/peer-models; they are not part of vtlink.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { sharedDataDir } from '../lib/paths';
import { timeOnnxModel, type OnnxTiming } from './onnx-timer';

export type OpenSeeFaceModelKey = 'lm_model0' | 'gaze32' | 'gaze32_both_eyes' | 'detection' | 'retinaface640';

export interface OpenSeeFaceModelSpec {
  key: OpenSeeFaceModelKey;
  file: string;
  what: string;
  /** Value for a symbolic batch dimension (the gaze model may take both eyes in one batch). */
  batch: number;
  /** Heavier models get fewer runs so the whole bench stays short. */
  runs: number;
}

export const OPENSEEFACE_MODELS: readonly OpenSeeFaceModelSpec[] = [
  { key: 'lm_model0', file: 'lm_model0_opt.onnx', what: 'landmarks, model 0 (66 pts + pupils)', batch: 1, runs: 200 },
  { key: 'gaze32', file: 'mnv3_gaze32_split_opt.onnx', what: 'gaze, one 32x32 eye', batch: 1, runs: 500 },
  { key: 'gaze32_both_eyes', file: 'mnv3_gaze32_split_opt.onnx', what: 'gaze, both eyes in one batch', batch: 2, runs: 500 },
  { key: 'detection', file: 'mnv3_detection_opt.onnx', what: 'face detector (heatmap, 224)', batch: 1, runs: 200 },
  { key: 'retinaface640', file: 'retinaface_640x640_opt.onnx', what: 'RetinaFace MobileNet-0.25, 640x640', batch: 1, runs: 40 },
];

export interface OpenSeeFaceRawOptions {
  /** Folder holding the .onnx files (default ../shared/data/peer-models). */
  modelDir?: string;
  /** intra-op thread counts to measure (default [1, 2]). */
  threads?: number[];
  /** Multiplies each model's run count (e.g. 0.25 for a quick look). */
  runsScale?: number;
  warmupRuns?: number;
  /** Subset of models (default: all). */
  models?: readonly OpenSeeFaceModelKey[];
}

export interface OpenSeeFaceModelTiming {
  spec: OpenSeeFaceModelSpec;
  threads: number;
  /** null when the file is missing or the run failed; `error` says which. */
  timing: OnnxTiming | null;
  error?: string;
}

export interface OpenSeeFacePerFrame {
  threads: number;
  lmMs: number;
  /** Two single-eye gaze runs, as the brief's per-frame sum counts them. */
  gazeTwoEyesMs: number;
  totalMs: number;
  fps: number;
  /** Both eyes as one batch-2 run, when the model allows it (what OpenSeeFace itself does). */
  gazeBatchedMs: number | null;
  totalBatchedMs: number | null;
}

export interface OpenSeeFaceRawResult {
  modelDir: string;
  models: OpenSeeFaceModelTiming[];
  /** Files that were not found in modelDir. */
  missing: string[];
  /** Per-frame inference sum per thread count; absent where lm_model0 or gaze32 could not be timed. */
  perFrame: OpenSeeFacePerFrame[];
}

function batchIsFixed(timing: OnnxTiming): boolean {
  const first = Object.values(timing.inputShapes)[0];
  return !!first && first[0] === 1;
}

export async function runOpenSeeFaceRaw(options: OpenSeeFaceRawOptions = {}): Promise<OpenSeeFaceRawResult> {
  const modelDir = options.modelDir ?? path.join(sharedDataDir(), 'peer-models');
  const threadCounts = options.threads ?? [1, 2];
  const scale = options.runsScale ?? 1;
  const wanted = OPENSEEFACE_MODELS.filter((m) => !options.models || options.models.includes(m.key));
  const missing = [...new Set(wanted.map((m) => m.file).filter((f) => !existsSync(path.join(modelDir, f))))];

  const models: OpenSeeFaceModelTiming[] = [];
  for (const threads of threadCounts) {
    for (const spec of wanted) {
      const file = path.join(modelDir, spec.file);
      if (missing.includes(spec.file)) {
        models.push({ spec, threads, timing: null, error: `missing: ${file}` });
        continue;
      }
      try {
        const timing = await timeOnnxModel(file, {
          threads,
          runs: Math.max(5, Math.round(spec.runs * scale)),
          warmupRuns: options.warmupRuns ?? 20,
          symbolicDim: spec.batch,
        });
        // A fixed batch-1 model cannot take both eyes at once; drop that row rather than mislabel it.
        if (spec.batch > 1 && batchIsFixed(timing)) {
          models.push({ spec, threads, timing: null, error: 'model has a fixed batch of 1' });
        } else {
          models.push({ spec, threads, timing });
        }
      } catch (err) {
        models.push({ spec, threads, timing: null, error: err instanceof Error ? err.message : String(err) });
      }
    }
  }

  const perFrame: OpenSeeFacePerFrame[] = [];
  for (const threads of threadCounts) {
    const find = (key: OpenSeeFaceModelKey): OnnxTiming | null =>
      models.find((m) => m.threads === threads && m.spec.key === key)?.timing ?? null;
    const lm = find('lm_model0');
    const gaze = find('gaze32');
    if (!lm || !gaze) continue;
    const batched = find('gaze32_both_eyes');
    const lmMs = lm.summary.medianMs;
    const gazeTwoEyesMs = 2 * gaze.summary.medianMs;
    perFrame.push({
      threads,
      lmMs,
      gazeTwoEyesMs,
      totalMs: lmMs + gazeTwoEyesMs,
      fps: 1000 / (lmMs + gazeTwoEyesMs),
      gazeBatchedMs: batched ? batched.summary.medianMs : null,
      totalBatchedMs: batched ? lmMs + batched.summary.medianMs : null,
    });
  }
  return { modelDir, models, missing, perFrame };
}
