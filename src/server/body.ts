import type { IncomingMessage } from 'node:http';
import { ApiError } from './errors';

/**
 * Past the limit we keep reading (and discarding) up to this much more before hanging up, so a
 * client that is still sending its too-large body gets to read the 413 instead of a reset.
 */
const DRAIN_SLACK_BYTES = 1 << 20;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Read the whole body, at most `limit` bytes (413 beyond, after draining a little so the answer arrives). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? Number.NaN);
    const tooLarge = (): ApiError =>
      new ApiError(413, 'body-too-large', `request body larger than ${limit} bytes`, { headers: { connection: 'close' } });
    if (declared > limit + DRAIN_SLACK_BYTES) {
      // Not worth reading: answer now and let the server close the connection.
      req.resume();
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = declared > limit;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      if (over) {
        if (size > limit + DRAIN_SLACK_BYTES) {
          req.socket.destroy();
          reject(tooLarge());
        }
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => (over ? reject(tooLarge()) : resolve(Buffer.concat(chunks, size))));
    req.on('error', (err) => reject(new ApiError(400, 'bad-body', `could not read the request body: ${err.message}`)));
    req.on('aborted', () => reject(new ApiError(400, 'bad-body', 'request aborted')));
  });
}

/** Whether the Content-Type names JSON (application/json or any +json), in UTF-8 if a charset is given. */
function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  const [type, ...params] = header.split(';').map((s) => s.trim().toLowerCase());
  if (type !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(type)) return false;
  return params.every((p) => !p.startsWith('charset=') || p === 'charset=utf-8' || p === 'charset="utf-8"');
}

/** V8 reports "... at position N" for most JSON errors; the end of input has no position, so it is the length. */
function parsePosition(message: string, length: number): number {
  const m = /position (\d+)/.exec(message);
  return m ? Number(m[1]) : length;
}

function lineAndColumn(text: string, position: number): string {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return `line ${line} column ${column}`;
}

/**
 * The request body as parsed JSON. 415 for a body that is not declared as JSON, 400 for bytes that
 * are not UTF-8 or not JSON (with the position of the error), 413 beyond `limit`.
 * `required: false` lets an action route (POST /api/restart-tracking) take no body at all.
 */
export async function readJsonBody(req: IncomingMessage, limit: number, required: boolean): Promise<unknown> {
  if (!hasBody(req)) {
    if (required) throw new ApiError(400, 'empty-body', 'this request needs a JSON body');
    return undefined;
  }
  if (!isJsonContentType(req.headers['content-type'])) {
    req.resume();
    throw new ApiError(415, 'unsupported-media-type', 'send the body as Content-Type: application/json (UTF-8)', {
      headers: { accept: 'application/json' },
    });
  }
  const bytes = await readBody(req, limit);
  if (bytes.length === 0) {
    if (required) throw new ApiError(400, 'empty-body', 'this request needs a JSON body');
    return undefined;
  }
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ApiError(400, 'invalid-utf8', 'the request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const message = (err as Error).message;
    const position = parsePosition(message, text.length);
    throw new ApiError(400, 'malformed-json', `malformed JSON at ${lineAndColumn(text, position)} (position ${position}): ${message}`, { position });
  }
}

/**
 * A streamed upload (a route with `streamsBody`): `receive` gets the request and its Content-Length
 * (null when absent or malformed) and writes the body where it belongs. Refused before its body was
 * read (busy, no room, too large), the rest is let in and dropped, so the client reads the answer
 * instead of a reset (the server closes the connection after it).
 */
export async function receiveStreamedBody<T>(req: IncomingMessage, receive: (declaredBytes: number | null) => Promise<T>): Promise<T> {
  const length = req.headers['content-length'];
  const declared = length !== undefined && /^\d{1,15}$/.test(length) ? Number(length) : null;
  try {
    return await receive(declared);
  } finally {
    if (!req.complete) req.resume();
  }
}
