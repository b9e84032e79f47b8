/**
 * What `vtlink run` shows a person at a terminal: one live line (FPS, state, stage time, pose) that
 * updates in place when stderr is a TTY, or one line every few seconds when it is a pipe or file.
 * Under systemd (JOURNAL_STREAM) nothing: the journal gets STATUS= and the periodic log line instead.
 * Log lines clear the live line before they are written, and it is drawn again on the next tick.
 */
import type { ServiceControl } from '../service/control';
import type { RunSummary } from '../service/stats';
import type { TrackingFrame } from '../tracking/types';

export type ProgressMode = 'live' | 'lines' | 'off';

export interface ProgressOptions {
  /** Default: 'off' under the journal, 'live' on a TTY, else 'lines'. */
  mode?: ProgressMode;
  write?: (text: string) => void;
  /** Default 250 ms when live, 5000 ms for lines. */
  intervalMs?: number;
}

export function progressMode(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): ProgressMode {
  if (env.JOURNAL_STREAM) return 'off';
  return stream.isTTY ? 'live' : 'lines';
}

/** One line: frames, FPS, state, median ms a frame, and the latest pose. */
export function progressLine(status: ReturnType<ServiceControl['status']>, frame: TrackingFrame | null): string {
  const face = frame?.face;
  const pose = face ? `yaw ${face.pose.yaw.toFixed(1).padStart(6)} pitch ${face.pose.pitch.toFixed(1).padStart(6)} roll ${face.pose.roll.toFixed(1).padStart(6)}` : 'no face';
  return (
    `frame ${String(status.framesProcessed).padStart(6)}  ${status.fps.toFixed(1).padStart(5)} FPS  ${status.state.padEnd(12)}` +
    `${status.latency.totalMs.toFixed(1).padStart(6)} ms  ${pose}`
  );
}

export function summaryLine(s: RunSummary): string {
  return (
    `${s.frames} frames, face found in ${s.faceFoundPct.toFixed(1)} %, detector ran on ${s.detectorRuns}, ` +
    `median ${s.medianMs.toFixed(1)} ms a frame`
  );
}

export class RunProgress {
  readonly mode: ProgressMode;
  private readonly write: (text: string) => void;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;
  private lastFrame: TrackingFrame | null = null;
  private shown = false;

  constructor(
    private readonly service: Pick<ServiceControl, 'status' | 'onFrame'>,
    options: ProgressOptions = {},
  ) {
    this.mode = options.mode ?? progressMode(process.stderr);
    this.write = options.write ?? ((text) => void process.stderr.write(text));
    if (this.mode === 'off') return;
    // Keep a reference to the newest frame only; the line is formatted on the timer, not per frame.
    this.unsubscribe = service.onFrame((frame) => (this.lastFrame = frame));
    this.timer = setInterval(() => this.draw(), options.intervalMs ?? (this.mode === 'live' ? 250 : 5000));
    this.timer.unref();
  }

  /** Write a log line without mixing it into the live line. */
  writeLog(text: string): void {
    this.clear();
    this.write(text);
  }

  /** Removes the live line and stops. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.clear();
  }

  private draw(): void {
    const line = progressLine(this.service.status(), this.lastFrame);
    if (this.mode === 'live') {
      this.write(`\r${line}\x1b[K`);
      this.shown = true;
    } else {
      this.write(`${line}\n`);
    }
  }

  private clear(): void {
    if (this.shown) this.write('\r\x1b[K');
    this.shown = false;
  }
}
