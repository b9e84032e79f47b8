/** Where the repository and the shared test data are, wherever the (bundled or source) bench runs from. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/** The vtlink repository root: the nearest folder above this file whose package.json is named "vtlink". */
export function repoRoot(): string {
  if (cachedRoot) return cachedRoot;
  const starts = [path.dirname(fileURLToPath(import.meta.url)), process.cwd()];
  for (const start of starts) {
    let dir = start;
    for (;;) {
      const pkg = path.join(dir, 'package.json');
      if (existsSync(pkg)) {
        const name = (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name;
        if (name === 'vtlink') return (cachedRoot = dir);
      }
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  throw new Error('cannot find the vtlink repository root (package.json named "vtlink") above the bench or the working directory');
}

/** ../shared/data next to the repository; throws (never skips) when it is missing. */
export function sharedDataDir(): string {
  const dir = path.resolve(repoRoot(), '../shared/data');
  if (!existsSync(dir)) throw new Error(`shared test data not found at ${dir}`);
  return dir;
}

/** Version string from an installed package's package.json, or 'not installed'. */
export function installedVersion(pkg: string): string {
  const file = path.join(repoRoot(), 'node_modules', pkg, 'package.json');
  if (!existsSync(file)) return 'not installed';
  return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? 'unknown';
}
