/**
 * Shared parts of the service and systemd tests (not a test file itself): the CLI bundled the way
 * tools/build.mjs bundles it (into build/test-service/, so parallel tests never race on dist/), a
 * real AF_UNIX datagram NOTIFY_SOCKET (python3 binds it: node cannot) and small waiting helpers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { waitUntil } from './helpers/wait';

export const repoRoot = path.resolve(__dirname, '..');
export const sharedData = path.resolve(repoRoot, '../shared/data');

/** ../shared/data must be there: the tests that use it fail loudly rather than skip. */
export function dataFile(relative: string): string {
  const file = path.join(sharedData, relative);
  if (!existsSync(file)) throw new Error(`test data missing: ${file} (../shared/data next to the repository)`);
  return file;
}

/** dist/vtlink.mjs as `npm run build` makes it, written to build/test-service/<name>.mjs. */
export async function bundleCli(name: string): Promise<string> {
  return bundleCliTo(path.join(repoRoot, 'build/test-service', `${name}.mjs`));
}

const NODE_BUNDLE = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // CommonJS dependencies inside an ES module bundle still call require().
  banner: { js: "import { createRequire as __vtlinkRequire } from 'node:module'; const require = __vtlinkRequire(import.meta.url);" },
  logLevel: 'warning',
} as const;

/** dist/vtlink.mjs as `npm run build` makes it, written to `outfile`, with the PSD worker (psd-worker.mjs) beside it. */
export async function bundleCliTo(outfile: string): Promise<string> {
  await build({ ...NODE_BUNDLE, entryPoints: [path.join(repoRoot, 'src/cli.ts')], outfile, external: ['onnxruntime-node', '@serialport/bindings-cpp'] });
  await bundlePsdWorkerTo(path.join(path.dirname(outfile), 'psd-worker.mjs'));
  return outfile;
}

/** dist/psd-worker.mjs (the avatar PSD converter's worker thread) as `npm run build` makes it. */
export async function bundlePsdWorkerTo(outfile: string): Promise<string> {
  await build({ ...NODE_BUNDLE, entryPoints: [path.join(repoRoot, 'src/avatar/psd-worker.ts')], outfile });
  return outfile;
}

export interface NotifyMessage {
  /** The datagram as sent (assignments separated by newlines). */
  text: string;
  /** Position in arrival order. */
  seq: number;
  /** Arrival (Date.now()), for the test's own waiting only. */
  at: number;
}

const RECEIVER = `
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("listening", flush=True)
while True:
    print(json.dumps(s.recv(65536).decode("utf-8", "replace")), flush=True)
`;

/** A real NOTIFY_SOCKET: every datagram the service sends, in arrival order. */
export class NotifyReceiver {
  readonly messages: NotifyMessage[] = [];
  private readonly child: ChildProcess;
  private readonly waiters: (() => void)[] = [];

  private constructor(readonly socketPath: string) {
    this.child = spawn('python3', ['-c', RECEIVER, socketPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  }

  static async listen(socketPath: string): Promise<NotifyReceiver> {
    const r = new NotifyReceiver(socketPath);
    const lines = createInterface({ input: r.child.stdout! });
    await new Promise<void>((resolve, reject) => {
      r.child.once('error', reject);
      r.child.once('exit', (code) => reject(new Error(`notify receiver exited (${code})`)));
      lines.on('line', (line) => {
        if (line === 'listening') return resolve();
        r.messages.push({ text: JSON.parse(line) as string, seq: r.messages.length, at: Date.now() });
        for (const w of r.waiters.splice(0)) w();
      });
    });
    return r;
  }

  /** Messages containing the assignment `key=` (e.g. "WATCHDOG"), in order. */
  with(key: string): NotifyMessage[] {
    return this.messages.filter((m) => m.text.split('\n').some((line) => line.startsWith(`${key}=`)));
  }

  /** Resolves when `predicate` holds (checked at every datagram and every 100 ms), rejects after `timeoutMs`. */
  async waitFor(predicate: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    await waitUntil(predicate, what, timeoutMs);
  }

  close(): void {
    this.child.kill('SIGKILL');
  }
}

