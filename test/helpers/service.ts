/**
 * Starts the real service for browser tests: `node dist/vtlink.mjs run --state-dir <dir> --port 0
 * --source <source>`, waits for the URL it prints, and stops it with SIGTERM. The state folder is the
 * caller's, so a test can stop the service and start it again on the same settings.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface RunningService {
  /** Base URL of the HTTP API and the UI, e.g. http://127.0.0.1:40123/ */
  url: string;
  process: ChildProcess;
  /** Everything the service printed so far (stdout and stderr), for failure messages. */
  output(): string;
  /** SIGTERM, then wait for the exit (SIGKILL after `graceMs`); resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface StartServiceOptions {
  stateDir: string;
  /** Camera source; default "demo" (the built-in animated face, no camera needed). */
  source?: string;
  /** How long to wait for the URL (model loading takes a few seconds on 2 cores). */
  timeoutMs?: number;
  /** The command to run instead of the built CLI (argv; the URL is still read from its output). */
  command?: string[];
  /** More environment for the service (e.g. RUNTIME_DIRECTORY, as systemd sets it). */
  env?: Record<string, string>;
}

/** The first http(s) URL in the service's output. */
const URL_PATTERN = /\bhttps?:\/\/[^\s'"<>]+/;

export function startService(options: StartServiceOptions): Promise<RunningService> {
  const argv = options.command ?? [
    process.execPath,
    path.join(repoRoot, 'dist/vtlink.mjs'),
    'run',
    '--state-dir',
    options.stateDir,
    '--port',
    '0',
    '--source',
    options.source ?? 'demo',
  ];
  const child = spawn(argv[0], argv.slice(1), { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NOTIFY_SOCKET: '', ...options.env } });
  let text = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const stop = async (graceMs = 5000): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(killer);
    return code;
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop(1000);
      reject(new Error(`the service printed no URL within ${options.timeoutMs ?? 60_000} ms:\n${text}`));
    }, options.timeoutMs ?? 60_000);
    const onData = (chunk: Buffer) => {
      text += chunk.toString('utf8');
      const m = URL_PATTERN.exec(text);
      if (!m) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      // Keep draining its output so the pipes never fill up and block it.
      child.stdout?.on('data', (c: Buffer) => (text += c.toString('utf8')));
      child.stderr?.on('data', (c: Buffer) => (text += c.toString('utf8')));
      const url = m[0].endsWith('/') ? m[0] : `${m[0]}/`;
      resolve({ url, process: child, output: () => text, stop });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the service exited (code ${code}) before printing its URL:\n${text}`));
    });
  });
}
