/** Markdown rows for the OpenSeeFace raw-ORT timings. */
import path from 'node:path';
import type { Row } from '../lib/table';
import type { OpenSeeFaceRawResult } from './openseeface-raw';

/** One row per model and thread count that ran or failed; missing files are listed once in the notes instead. */
export function openSeeFaceModelRows(r: OpenSeeFaceRawResult): Row[] {
  return r.models.filter((m) => !r.missing.includes(m.spec.file)).map((m) => ({
    model: m.spec.file,
    what: m.spec.what,
    input: m.timing ? Object.values(m.timing.inputShapes).map((s) => s.join('x')).join(', ') : '',
    threads: m.threads,
    runs: m.timing?.summary.n,
    'median ms': m.timing?.summary.medianMs,
    'p90 ms': m.timing?.summary.p90Ms,
    'min ms': m.timing?.summary.minMs,
    'CPU ms/run': m.timing?.cpuMsPerRun,
    note: m.error ?? '',
  }));
}

export function openSeeFacePerFrameRows(r: OpenSeeFaceRawResult): Row[] {
  return r.perFrame.map((p) => ({
    threads: p.threads,
    'lm_model0 ms': p.lmMs,
    '2 x gaze32 ms': p.gazeTwoEyesMs,
    'per frame ms': p.totalMs,
    'FPS (inference only)': p.fps,
    'gaze32 batch 2 ms': p.gazeBatchedMs ?? undefined,
    'per frame, batched gaze ms': p.totalBatchedMs ?? undefined,
  }));
}

export function openSeeFaceNotes(r: OpenSeeFaceRawResult): string {
  const lines = [
    '- onnxruntime-node, CPU EP, graphOptimizationLevel all, inter-op 1 thread, sequential; time = wall time of session.run() on preallocated pseudo-random inputs (ImageNet-normalised range), after 20 warm-up runs.',
    '- Per frame = lm_model0 + 2 x gaze32 (one eye per run); OpenSeeFace\'s own tracker also resizes/crops in Python and runs the detector only when it loses the face, none of which is counted here.',
  ];
  if (r.missing.length) {
    lines.push(`- NOT MEASURED: ${r.missing.join(', ')} not found in ${path.resolve(r.modelDir)}.`);
  }
  return lines.join('\n');
}
