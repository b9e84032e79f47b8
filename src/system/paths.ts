import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The installed package's root folder: the nearest folder above this module whose package.json is
 * vtlink's. The same search works from the sources (src/system/) and from the bundle (dist/).
 */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'vtlink') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cannot find vtlink's package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/** Where `npm run models` writes the ONNX files. */
export function defaultModelsDir(): string {
  return path.join(packageRoot(), 'models');
}
