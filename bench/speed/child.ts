/**
 * One configuration per child process: speed.ts spawns itself with `--config NAME --result FILE`,
 * the child decodes the frames, runs the configuration and writes its result as JSON to FILE.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import type { HumanPeerResult } from '../peers/human-peer';
import { runHumanPeer } from '../peers/human-peer';
import { decodeVideoFrames } from '../lib/video-frames';
import { peakRssMb } from '../lib/timing';
import type { SpeedConfig } from './configs';
import { timeOurModels, type RawOnnxResult } from './raw-models';
import { runGate, type GateRunResult } from './gate';
import { runTrackerConfig, type TrackerRunResult } from './tracker-run';

export interface HumanRunResult {
  kind: 'human';
  result: HumanPeerResult;
  /** RSS high-water mark after decoding, before Human loaded: the frames' share of the peak. */
  rssBeforeModelsMb: number;
}

/** Frames whose mesh and iris inputs the raw-model timing cycles through. */
const REAL_CROP_FRAMES = 150;

export type ChildResult = TrackerRunResult | HumanRunResult | RawOnnxResult | GateRunResult;

export interface ChildArgs {
  video: string;
  warmupFrames: number;
  /** Cap on decoded frames (warm-up included); Infinity = the whole video. */
  maxFrames: number;
  /** Scales the raw-model run counts. */
  runsScale: number;
}

/** The child side: run one configuration and write its JSON. */
export async function runChild(config: SpeedConfig, args: ChildArgs, resultFile: string): Promise<void> {
  let result: ChildResult;
  if (config.kind === 'raw-onnx') {
    // Real crops come from the start of the video, tracked like the tracker tracks.
    const video = await decodeVideoFrames(args.video, Math.min(args.maxFrames, REAL_CROP_FRAMES));
    result = await timeOurModels(video.frames, [1, 2], args.runsScale);
  } else {
    const video = await decodeVideoFrames(args.video, args.maxFrames);
    const rssBeforeModelsMb = peakRssMb();
    if (config.kind === 'tracker') {
      result = await runTrackerConfig(config, video.frames, video.fps, args.warmupFrames);
    } else if (config.kind === 'gate') {
      result = await runGate(config.landmarks, video.frames, video.fps, args.warmupFrames);
    } else {
      // Human's own video mode (its caching defaults), as a web page would run it.
      const human = await runHumanPeer(video.frames, { warmupFrames: args.warmupFrames, keepLandmarks: false });
      result = { kind: 'human', result: human, rssBeforeModelsMb };
    }
  }
  writeFileSync(resultFile, JSON.stringify(result));
}

/** The parent side: run `node <this bundle> ...childArgs` and read the JSON it wrote. */
export function spawnChild(bundle: string, childArgs: readonly string[], resultFile: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    // stdout and stderr pass through: a child's error must be seen, not swallowed.
    const child = spawn(process.execPath, [bundle, ...childArgs, '--result', resultFile], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (code !== 0) {
        reject(new Error(`child '${childArgs.join(' ')}' failed (exit ${code ?? signal})`));
        return;
      }
      try {
        resolve(JSON.parse(readFileSync(resultFile, 'utf8')) as ChildResult);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  });
}
