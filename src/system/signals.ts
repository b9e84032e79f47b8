/**
 * Shutdown on SIGTERM (systemd's stop) and SIGINT (Ctrl-C): run the clean shutdown once, and end
 * the process hard if it has not finished by `hardExitMs`, so the stop always completes inside the
 * 2 s we promise systemd even when a close hangs. A second signal exits at once.
 *
 * Why the hard exit lives on a worker thread: a close can hang INSIDE native code on the main
 * thread (a GStreamer pipeline whose source is blocked in read() waits for it when set to NULL),
 * and then no timer of the main thread ever fires. The worker, started with the handlers, sleeps
 * on a shared flag (Atomics.wait) and, once armed by the signal, SIGKILLs the process if the clean
 * exit has not happened in time (a worker's process.exit() would end only the worker).
 */
import { Worker } from 'node:worker_threads';

export interface ShutdownOptions {
  /** The clean shutdown; resolves with the exit status. */
  shutdown: (signal: NodeJS.Signals) => Promise<number>;
  /** Default $VTLINK_HARD_EXIT_MS, else 1800 ms: leaves room inside 2 s for the process to actually go. */
  hardExitMs?: number;
  /** Told (on the main thread, if it still runs) just before the hard exit. */
  onHardExit?: () => void;
  /** Written straight to fd 2 by the worker before it kills a blocked process (one full log line). */
  hardExitLine?: string;
  signals?: NodeJS.Signals[];
}

const ARMED = 0;

/** The watchdog thread: wait to be armed, then wait hardExitMs for nothing, then kill. */
const HARD_EXIT_WORKER = `
const { workerData } = require('node:worker_threads');
const flags = new Int32Array(workerData.flags);
Atomics.wait(flags, ${ARMED}, 0);
if (Atomics.wait(flags, ${ARMED}, 1, workerData.hardExitMs) === 'timed-out') {
  // fd 2 directly: a worker's process.stderr goes through the (blocked) main thread.
  if (workerData.line) try { require('node:fs').writeSync(2, workerData.line); } catch {}
  process.kill(workerData.pid, 'SIGKILL');
}
`;

/**
 * $VTLINK_HARD_EXIT_MS (a whole number of ms > 0) in place of the default: for a unit whose
 * TimeoutStopSec= allows more, and for tests that check a clean stop, so that a slow machine's
 * stop is not mistaken for a hung one (a stop that truly hangs still ends by the hard exit).
 */
function hardExitFromEnv(): number | undefined {
  const text = process.env.VTLINK_HARD_EXIT_MS;
  return text !== undefined && /^[1-9]\d*$/.test(text) ? Number(text) : undefined;
}

/** Installs the handlers; returns a function that removes them. */
export function handleShutdownSignals(options: ShutdownOptions): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const hardExitMs = options.hardExitMs ?? hardExitFromEnv() ?? 1800;
  const flags = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(HARD_EXIT_WORKER, { eval: true, workerData: { flags: flags.buffer, hardExitMs, pid: process.pid, line: options.hardExitLine } });
  worker.unref();
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    stopping = true;
    Atomics.store(flags, ARMED, 1);
    Atomics.notify(flags, ARMED);
    // The main-thread timer covers the common case (cleanup slow but not blocking) with a clean message.
    const hard = setTimeout(() => {
      options.onHardExit?.();
      process.exit(1);
    }, hardExitMs - 100);
    hard.unref();
    options.shutdown(signal).then(
      (code) => process.exit(code),
      () => process.exit(1),
    );
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
    void worker.terminate();
  };
}
