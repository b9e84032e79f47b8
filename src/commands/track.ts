import { openSourceSpec } from '../capture/open';
import type { FrameSource } from '../capture/source';
import type { SourceSpec } from '../capture/source-uri';
import { FaceTracker, type TrackerOptions } from '../tracking/tracker';
import { frameToJsonLine } from '../tracking/serialize';
import type { TrackingFrame } from '../tracking/types';

export interface TrackCommandOptions {
  tracker: TrackerOptions;
  json: boolean;
  maxFrames: number;
}

/** Human-readable one-line summary of a frame. */
export function describeFrame(f: TrackingFrame): string {
  if (!f.face) return `${f.source} #${f.frame}: no face`;
  const { pose, eyes, mouth } = f.face;
  return (
    `${f.source} #${f.frame}: face ${f.face.score.toFixed(2)}  yaw ${pose.yaw.toFixed(1)} pitch ${pose.pitch.toFixed(1)} ` +
    `roll ${pose.roll.toFixed(1)}  eyes ${eyes.left.toFixed(2)}/${eyes.right.toFixed(2)}  mouth ${mouth.open.toFixed(2)}`
  );
}

/**
 * `vtlink track PATH...`: every frame of every input, one line each on stdout. A file that cannot be
 * read gets one error line on stderr and the run goes on; the exit status is 1 if any input failed.
 * An input is a file path or what `--source` names (demo, v4l2:..., gst:...; capture/source-uri.ts).
 */
export async function runTrack(inputs: readonly SourceSpec[], options: TrackCommandOptions): Promise<number> {
  const tracker = await FaceTracker.create(options.tracker);
  let failures = 0;
  let current: FrameSource | undefined;
  // A camera or live pipeline runs until interrupted: Ctrl-C ends it cleanly (summary, exit 0).
  const stop = (): void => void current?.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const fail = (err: unknown): void => {
    failures++;
    console.error(`vtlink: ${(err as Error).message}`);
  };
  try {
    for (const input of inputs) {
      let source: FrameSource;
      try {
        source = await openSourceSpec(input);
      } catch (err) {
        fail(err);
        continue;
      }
      current = source;
      // Stills are unrelated pictures: each one starts from a detection. Video frames are tracked.
      const independent = source.fps === undefined;
      let count = 0;
      tracker.reset();
      try {
        for await (const result of source.frames()) {
          if (result.kind === 'skipped') {
            fail(result.error);
            continue;
          }
          if (independent) tracker.reset();
          const frame = await tracker.process(result);
          console.log(options.json ? frameToJsonLine(frame) : describeFrame(frame));
          if (++count >= options.maxFrames) break;
        }
      } catch (err) {
        fail(err);
      } finally {
        await source.close();
      }
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await tracker.release();
  }
  return failures > 0 ? 1 : 0;
}
