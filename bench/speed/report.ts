/** Markdown tables for bench/speed.ts from the children's results. */
import type { Row } from '../lib/table';
import type { OpenSeeFaceRawResult } from '../peers/openseeface-raw';
import type { HumanRunResult } from './child';
import { configLabel } from './configs';
import type { GateRunResult } from './gate';
import type { RawOnnxResult } from './raw-models';
import { STAGES, type StageName, type StageSummary, type TrackerRunResult } from './tracker-run';

/** The brief's target: median whole-frame latency at 1 thread in tracking mode. */
export const TARGET_MEDIAN_MS = 10;

const STAGE_LABELS: Record<StageName, string> = {
  preprocessMs: 'preprocess',
  detectMs: 'detect',
  meshMs: 'mesh',
  irisMs: 'iris',
  geometryMs: 'geometry',
  filtersMs: 'filters',
};

const f2 = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');

export function wholeFrameRows(trackers: readonly TrackerRunResult[], human: HumanRunResult | null): Row[] {
  const rows: Row[] = trackers.map((r) => ({
    configuration: configLabel(r.config),
    frames: r.timedFrames,
    'median ms': r.frame.medianMs,
    'p90 ms': r.frame.p90Ms,
    'p99 ms': r.frame.p99Ms,
    'FPS (1000/median)': r.frame.fpsAtMedian,
    'FPS (frames/total)': r.throughputFps,
    'CPU ms/frame': r.cpuMsPerFrame,
    'face found': `${r.facesFound}/${r.timedFrames}`,
    'detector ran': `${r.stages.detectMs.frames}/${r.timedFrames}`,
    'peak RSS MiB': r.peakRssMb,
    'peak RSS - frames MiB': r.peakRssMb - r.rssBeforeModelsMb,
  }));
  if (human) {
    const h = human.result;
    rows.push({
      configuration: 'Human 3.3.6 (tfjs-wasm, 1 thread), its video caching',
      frames: h.timedFrames,
      'median ms': h.summary.medianMs,
      'p90 ms': h.summary.p90Ms,
      'p99 ms': h.summary.p99Ms,
      'FPS (1000/median)': h.summary.fpsAtMedian,
      'FPS (frames/total)': h.summary.fpsAtMean,
      'CPU ms/frame': h.cpuMsPerFrame,
      'face found': `${h.facesFound}/${h.timedFrames}`,
      'detector ran': `${h.detectorRuns}/${h.timedFrames}`,
      'peak RSS MiB': h.peakRssMb,
      'peak RSS - frames MiB': h.peakRssMb - human.rssBeforeModelsMb,
    });
  }
  return rows;
}

function cell(s: StageSummary, withCount: boolean): string {
  if (s.frames === 0) return 'did not run';
  return `${f2(s.medianMs)} / ${f2(s.p90Ms)}${withCount ? ` (${s.frames} fr)` : ''}`;
}

/** One row per configuration; each stage cell is "median / p90" ms (detect: over the frames where it ran). */
export function stageRows(trackers: readonly TrackerRunResult[]): Row[] {
  return trackers.map((r) => {
    const row: Row = { configuration: configLabel(r.config) };
    for (const stage of STAGES) row[STAGE_LABELS[stage]] = cell(r.stages[stage], stage === 'detectMs');
    row['sum of stage medians'] = STAGES.filter((s) => s !== 'detectMs').reduce((sum, s) => sum + r.stages[s].medianMs, 0);
    row['whole frame median'] = r.frame.medianMs;
    return row;
  });
}

export function rawModelRows(raw: RawOnnxResult): Row[] {
  const rows: Row[] = raw.models.map(({ spec, timing }) => ({
    model: `${spec.file} (${spec.what})`,
    threads: timing.threads,
    input: `${Object.values(timing.inputShapes).map((s) => s.join('x')).join(', ')} noise`,
    runs: timing.summary.n,
    'median ms': timing.summary.medianMs,
    'p90 ms': timing.summary.p90Ms,
    'CPU ms/run': timing.cpuMsPerRun,
  }));
  for (const r of raw.realCrops) {
    rows.push({
      model: `${r.file} (${r.model === 'mesh' ? 'FaceMesh, 192x192' : 'Iris, 64x64, both eyes (batch 2)'})`,
      threads: r.threads,
      input: `${r.crops} real crops`,
      runs: r.summary.n,
      'median ms': r.summary.medianMs,
      'p90 ms': r.summary.p90Ms,
      'CPU ms/run': r.cpuMsPerRun,
    });
  }
  return rows;
}

function noiseMedian(raw: RawOnnxResult, key: string, threads: number): number {
  return raw.models.find((m) => m.spec.key === key && m.timing.threads === threads)?.timing.summary.medianMs ?? Number.NaN;
}

function realMedian(raw: RawOnnxResult, model: 'mesh' | 'iris', threads: number): number {
  return raw.realCrops.find((r) => r.model === model && r.threads === threads)?.summary.medianMs ?? Number.NaN;
}

/**
 * Tracking-mode frames with FaceMesh + Iris run mesh + iris (batch 2) and no detector, on one
 * thread: the tracker's cost above that bare inference, against the real-crop figure (the inputs it
 * actually feeds) and the noise-input one.
 */
export function overheadRows(trackers: readonly TrackerRunResult[], raw: RawOnnxResult): Row[] {
  return trackers
    .filter((r) => !r.config.detectEveryFrame && r.config.landmarks === 'mesh-iris' && r.config.inferenceThreads === 0)
    .map((r) => {
      const real = realMedian(raw, 'mesh', r.config.threads) + realMedian(raw, 'iris', r.config.threads);
      const noise = noiseMedian(raw, 'mesh', r.config.threads) + noiseMedian(raw, 'iris', r.config.threads);
      return {
        configuration: configLabel(r.config),
        'tracker median ms': r.frame.medianMs,
        'raw mesh + iris, real crops ms': real,
        'overhead ms': r.frame.medianMs - real,
        'overhead %': (100 * (r.frame.medianMs - real)) / real,
        'raw mesh + iris, noise ms': noise,
      };
    });
}

export function humanRatioRows(trackers: readonly TrackerRunResult[], human: HumanRunResult): Row[] {
  const h = human.result;
  return trackers
    .filter((r) => !r.config.detectEveryFrame)
    .map((r) => ({
      'vtlink configuration': configLabel(r.config),
      'vtlink median ms': r.frame.medianMs,
      'Human median ms': h.summary.medianMs,
      'Human / vtlink (median)': h.summary.medianMs / r.frame.medianMs,
      'vtlink CPU ms/frame': r.cpuMsPerFrame,
      'Human CPU ms/frame': h.cpuMsPerFrame,
      'Human / vtlink (CPU)': h.cpuMsPerFrame / r.cpuMsPerFrame,
    }));
}

/** OpenSeeFace's figures: measured when its models are present, otherwise the data README's quoted ones, labelled so. */
export function openSeeFaceLines(osf: OpenSeeFaceRawResult): string[] {
  const out: string[] = [];
  if (osf.perFrame.length) {
    for (const p of osf.perFrame) {
      out.push(`- OpenSeeFace raw ORT, measured here, ${p.threads} thread${p.threads > 1 ? 's' : ''}: lm_model0 ${f2(p.lmMs)} ms + 2 x gaze ${f2(p.gazeTwoEyesMs / 2)} ms = ${f2(p.totalMs)} ms per frame (${p.fps.toFixed(0)} FPS, inference only).`);
    }
  }
  if (osf.missing.length) {
    out.push(`- OpenSeeFace raw ORT: NOT MEASURED, model files absent from ${osf.modelDir} (${osf.missing.join(', ')}).`);
    out.push(
      '- OpenSeeFace, quoted, not measured here (model files absent): lm_model0 5.1 ms + 2 x gaze 0.39 ms = about 5.9 ms per frame, ' +
        '1 thread, raw onnxruntime-node 1.30, inference only (from ../shared/data/README.md); its README puts the whole model-0 tracker at 68 FPS on one desktop core.',
    );
  }
  return out;
}

/**
 * Issue 11's gate: vtlink's whole frame (tracking mode) against OpenSeeFace model 0's raw inference
 * (lm_model0 + gaze for both eyes) measured in the same run, on one core and on all of them.
 */
export function openSeeFaceGateLines(trackers: readonly TrackerRunResult[], osf: OpenSeeFaceRawResult, gates: readonly GateRunResult[]): string[] {
  const find = (name: string): TrackerRunResult | undefined => trackers.find((t) => t.config.name === name);
  const osfAt = (threads: number): number | undefined => osf.perFrame.find((p) => p.threads === threads)?.totalMs;
  const verdict = (ratio: number): string => `ratio ${f2(ratio)} — **${ratio >= 1 ? 'MET' : 'NOT MET'}** (>= 1.0; aim 2)`;
  const line = (what: string, ours: TrackerRunResult | undefined, theirs: number | undefined, theirsWhat: string): string => {
    if (!ours || theirs === undefined) return `- ${what}: not measured in this run.`;
    return `- ${what}: vtlink ${f2(ours.frame.medianMs)} ms (${configLabel(ours.config)}) vs OpenSeeFace ${f2(theirs)} ms (${theirsWhat}): ${verdict(theirs / ours.frame.medianMs)}.`;
  };
  const interleaved = gates.map(
    (g) =>
      `- Gate, one core, interleaved (the deciding figure: vtlink's frame, ${g.landmarks === 'attention' ? 'attention mesh' : 'mesh + iris'}, and OpenSeeFace model 0's inference alternate frame by frame, ${g.frames} frames, so drift hits both): vtlink ${f2(g.vtlink.medianMs)} ms vs OpenSeeFace ${f2(g.openSeeFace.medianMs)} ms: ${verdict(g.openSeeFace.medianMs / g.vtlink.medianMs)}.`,
  );
  // All cores: the fastest configuration that tracks one frame at a time as fast as it can.
  const unpaced = trackers.filter((t) => t.config.detector === 'front' && !t.config.overlap && !t.config.paceFps && !t.config.detectEveryFrame);
  const best = unpaced.reduce<TrackerRunResult | undefined>((b, t) => (!b || t.frame.medianMs < b.frame.medianMs ? t : b), undefined);
  return [
    ...interleaved,
    line('Gate, one core', find('front-1t'), osfAt(1), 'lm_model0 + 2 x gaze32, raw ORT, 1 thread'),
    line('Gate, all cores (the fastest configuration)', best, osfAt(2), 'the same, 2 intra-op threads'),
  ];
}

export function targetLine(trackers: readonly TrackerRunResult[]): string {
  const r = trackers.find((t) => t.config.threads === 1 && t.config.detector === 'front' && !t.config.detectEveryFrame);
  if (!r) return `- Target (median whole frame <= ${TARGET_MEDIAN_MS} ms, 1 thread, tracking): not measured in this run.`;
  const met = r.frame.medianMs <= TARGET_MEDIAN_MS;
  return `- Target: median whole-frame latency <= ${TARGET_MEDIAN_MS} ms at 1 thread in tracking mode (front detector): **${met ? 'MET' : 'NOT MET'}**, median ${f2(r.frame.medianMs)} ms (p90 ${f2(r.frame.p90Ms)} ms, CPU ${f2(r.cpuMsPerFrame)} ms/frame).`;
}
