import type { TrackingFrame } from './types';

/** Decimals kept in JSON output: 1e-4 px and 1e-4 degrees are far below any model's precision. */
const DECIMALS = 1e4;

function round(_key: string, value: unknown): unknown {
  return typeof value === 'number' && Number.isFinite(value) ? Math.round(value * DECIMALS) / DECIMALS : value;
}

/** One TrackingFrame as one line of JSON (non-finite numbers become null). */
export function frameToJsonLine(frame: TrackingFrame): string {
  return JSON.stringify(frame, round);
}
