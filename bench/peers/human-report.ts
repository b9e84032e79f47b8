/** Markdown for a Human peer run: one table row plus the facts needed to read it. */
import type { Row } from '../lib/table';
import type { HumanPeerResult } from './human-peer';

export function humanResultRow(r: HumanPeerResult, video: string): Row {
  return {
    peer: 'Human 3.3.6 (tfjs-wasm)',
    input: `${video} ${r.width}x${r.height}`,
    frames: r.timedFrames,
    'median ms': r.summary.medianMs,
    'p90 ms': r.summary.p90Ms,
    'p99 ms': r.summary.p99Ms,
    'mean ms': r.summary.meanMs,
    'CPU ms/frame': r.cpuMsPerFrame,
    'FPS (1/median)': r.summary.fpsAtMedian,
    'FPS (frames/total)': r.summary.fpsAtMean,
    'face found': `${r.facesFound}/${r.timedFrames}`,
    'detector ran': `${r.detectorRuns}/${r.timedFrames}`,
  };
}

export function humanResultNotes(r: HumanPeerResult): string {
  return [
    `- Human face path only (BlazeFace + FaceMesh + Iris, maxDetected 1); body, hand, object, gesture, segmentation, emotion, description, antispoof, liveness, attention off.`,
    `- tfjs WASM backend: SIMD ${r.simd ? 'on' : 'off'}, ${r.multithread ? 'multi-threaded' : 'single-threaded'} (tfjs never enables WASM threads under Node).`,
    `- Video caching as Human ships it: cacheSensitivity 0.7, detector skipFrames 99, skipTime 2500 ms; "detector ran" counts frames where BlazeFace ran (${r.cachedFrames}/${r.timedFrames} frames were similar enough to allow caching); the others reuse the box from the previous mesh.`,
    `- ${r.warmupFrames} warm-up frames untimed; time = wall time of human.detect() on an int32 [h,w,3] tensor made beforehand (making the tensor is outside the timed span). "CPU ms/frame" = process CPU time over the timed loop / frames (includes tensor creation and GC), steadier than wall time on a busy machine. Model load + backend start ${r.loadMs.toFixed(0)} ms; peak RSS ${r.peakRssMb.toFixed(0)} MiB.`,
  ].join('\n');
}
