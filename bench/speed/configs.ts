/**
 * The configurations bench/speed.ts measures, one child process each (so peak RSS is per
 * configuration and ONNX Runtime thread pools never share a process).
 */
import type { DetectorKind } from '../../src/vision/model-specs';

export interface TrackerConfig {
  kind: 'tracker';
  name: string;
  detector: DetectorKind;
  /** ORT intra-op threads per session. */
  threads: number;
  /** Reset before every frame, so the detector runs each time (what a still-image call costs). */
  detectEveryFrame: boolean;
}

export interface HumanConfig {
  kind: 'human';
  name: string;
}

export interface RawOnnxConfig {
  kind: 'raw-onnx';
  name: string;
}

export type SpeedConfig = TrackerConfig | HumanConfig | RawOnnxConfig;

export const SPEED_CONFIGS: readonly SpeedConfig[] = [
  { kind: 'tracker', name: 'front-1t', detector: 'front', threads: 1, detectEveryFrame: false },
  { kind: 'tracker', name: 'front-2t', detector: 'front', threads: 2, detectEveryFrame: false },
  { kind: 'tracker', name: 'back-1t', detector: 'back', threads: 1, detectEveryFrame: false },
  { kind: 'tracker', name: 'front-1t-detect-every-frame', detector: 'front', threads: 1, detectEveryFrame: true },
  { kind: 'human', name: 'human' },
  { kind: 'raw-onnx', name: 'raw-onnx' },
];

export function findConfig(name: string): SpeedConfig {
  const config = SPEED_CONFIGS.find((c) => c.name === name);
  if (!config) throw new Error(`unknown --config '${name}' (known: ${SPEED_CONFIGS.map((c) => c.name).join(', ')})`);
  return config;
}

/** What a row is called in the tables. */
export function configLabel(c: TrackerConfig): string {
  const mode = c.detectEveryFrame ? 'detector every frame' : 'tracking';
  return `vtlink, ${c.detector} detector, ${c.threads} thread${c.threads > 1 ? 's' : ''}, ${mode}`;
}
