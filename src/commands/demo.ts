import { openSourceSpec } from '../capture/open';
import type { SourceSpec } from '../capture/source-uri';
import { FaceTracker, type TrackerOptions } from '../tracking/tracker';
import { frameToJsonLine } from '../tracking/serialize';

export interface DemoCommandOptions {
  /** What to track instead of the built-in input (`--source`; default the demo). */
  source?: SourceSpec;
  tracker: TrackerOptions;
  json: boolean;
  loop: boolean;
  maxFrames: number;
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * `vtlink demo` (and `npm start`): tracks the embedded demo input — a face that moves, turns, leaves
 * the frame and comes back — as fast as the machine allows, with a live status line on stderr, and a
 * summary at the end. With --json the TrackingFrames go to stdout.
 */
export async function runDemo(options: DemoCommandOptions): Promise<number> {
  const tracker = await FaceTracker.create(options.tracker);
  const source = await openSourceSpec(options.source ?? { kind: 'demo' }, { loop: options.loop });
  const stop = (): void => void source.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const live = process.stderr.isTTY;
  const frameMs: number[] = [];
  let frames = 0;
  let found = 0;
  let detections = 0;
  let lastPrint = 0;
  try {
    for await (const result of source.frames()) {
      if (result.kind === 'skipped') continue;
      const frame = await tracker.process(result);
      const t = tracker.timings;
      frames++;
      frameMs.push(t.totalMs);
      if (frame.face) found++;
      if (t.detected) detections++;
      if (options.json) console.log(frameToJsonLine(frame));

      const now = performance.now();
      if (now - lastPrint > (live ? 100 : 1000)) {
        lastPrint = now;
        const recent = frameMs.slice(-30);
        const fps = 1000 / median(recent);
        const pose = frame.face ? `yaw ${frame.face.pose.yaw.toFixed(1).padStart(6)} pitch ${frame.face.pose.pitch.toFixed(1).padStart(6)} roll ${frame.face.pose.roll.toFixed(1).padStart(6)}` : 'no face';
        const line = `frame ${String(frame.frame).padStart(5)}  ${fps.toFixed(0).padStart(4)} FPS  ${t.totalMs.toFixed(1).padStart(5)} ms  ${t.detected ? 'detect' : 'track '}  ${pose}`;
        process.stderr.write(live ? `\r${line}\x1b[K` : `${line}\n`);
      }
      if (frames >= options.maxFrames) break;
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await source.close();
    await tracker.release();
  }
  if (live) process.stderr.write('\n');
  const med = median(frameMs);
  process.stderr.write(
    `demo: ${frames} frames, face found in ${found} (${((100 * found) / Math.max(frames, 1)).toFixed(1)} %), ` +
      `detector ran on ${detections}; median ${med.toFixed(2)} ms a frame (${(1000 / med).toFixed(0)} FPS)\n`,
  );
  return 0;
}
