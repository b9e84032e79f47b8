/**
 * The UI's files (ui/dist) under `/`. A request path is decoded, checked segment by segment (no
 * "..", no hidden files, no NUL or backslash), and the file's real path (symlinks resolved) must
 * still lie inside the UI folder; anything else is a 404, never a read outside it.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { ApiError } from './errors';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

const notFound = (): ApiError => new ApiError(404, 'not-found', 'no such file');

/** The relative file path a URL path names, or null when it is not an acceptable name. */
export function safeRelativePath(urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((s) => s.length > 0);
  if (segments.some((s) => s === '..' || s === '.' || s.startsWith('.'))) return null;
  if (segments.length === 0) return 'index.html';
  return segments.join('/');
}

export class StaticFiles {
  private rootReal: Promise<string | null>;

  constructor(private readonly root: string) {
    this.rootReal = realpath(root).catch(() => null);
  }

  async serve(req: IncomingMessage, res: ServerResponse, urlPath: string): Promise<void> {
    let root = await this.rootReal;
    if (root === null) {
      // The UI may be built after the service started: look again.
      this.rootReal = realpath(this.root).catch(() => null);
      root = await this.rootReal;
    }
    if (root === null) throw new ApiError(404, 'no-ui', `the UI is not built (no ${this.root})`);
    const rel = safeRelativePath(urlPath);
    if (rel === null) throw notFound();
    let file: string;
    try {
      file = await realpath(path.join(root, rel));
    } catch {
      throw notFound();
    }
    if (!file.startsWith(root + path.sep)) throw notFound();
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) throw notFound();
    const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    res.writeHead(200, {
      'content-type': type,
      'content-length': info.size,
      // The UI changes only with the package; revalidate rather than guess at freshness.
      'cache-control': 'no-cache',
      'last-modified': info.mtime.toUTCString(),
      'x-content-type-options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await new Promise<void>((resolve) => {
      const stream = createReadStream(file);
      stream.on('error', () => {
        res.destroy();
        resolve();
      });
      stream.on('end', resolve);
      res.on('close', () => {
        stream.destroy();
        resolve();
      });
      stream.pipe(res);
    });
  }
}
