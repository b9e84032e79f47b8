/**
 * Shutdown on SIGTERM (systemd's stop) and SIGINT (Ctrl-C): run the clean shutdown once, and exit
 * hard if it has not finished by `hardExitMs`, so the stop always completes inside systemd's
 * expectations (we promise 2 s) even when a close hangs (a stuck camera driver, a decoder that
 * ignores its pipe). A second signal exits at once.
 */

export interface ShutdownOptions {
  /** The clean shutdown; resolves with the exit status. */
  shutdown: (signal: NodeJS.Signals) => Promise<number>;
  /** Default 1800 ms: leaves room inside 2 s for the process to actually go. */
  hardExitMs?: number;
  /** Told when the hard exit fires. */
  onHardExit?: () => void;
  signals?: NodeJS.Signals[];
}

/** Installs the handlers; returns a function that removes them. */
export function handleShutdownSignals(options: ShutdownOptions): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
    }
    stopping = true;
    const hard = setTimeout(() => {
      options.onHardExit?.();
      process.exit(1);
    }, options.hardExitMs ?? 1800);
    hard.unref();
    options.shutdown(signal).then(
      (code) => {
        clearTimeout(hard);
        process.exit(code);
      },
      () => {
        clearTimeout(hard);
        process.exit(1);
      },
    );
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
