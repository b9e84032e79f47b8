/**
 * Client of the service's tracking stream (WebSocket /api/stream). Reconnects by itself with
 * exponential back-off (0.5 s doubling to 8 s, with jitter so many screens do not reconnect in step),
 * back to the shortest wait after a connection that stayed open.
 *
 * Messages: a TrackingFrame as JSON text, or {"type":"frame","frame":TrackingFrame}; any other message
 * (status notes, future types) is ignored, so the server can add kinds without breaking old pages.
 */
import type { TrackingFrame } from '../../../src/tracking/types';

export type StreamDetail = 'none' | 'pose' | 'landmarks68' | 'full';
export type StreamState = 'connecting' | 'open' | 'closed';

export interface StreamOptions {
  detail?: StreamDetail;
  /** Frames per second the server should send at most. */
  rate?: number;
  /** Full ws:// or wss:// URL; defaults to /api/stream on the page's own host. */
  url?: string;
  /** The pairing token, read at each (re)connect: from another host, detail above 'pose' needs it. */
  token?: () => string | null;
  onFrame(frame: TrackingFrame): void;
  onState?(state: StreamState): void;
}

export interface TrackingStream {
  close(): void;
}

const MIN_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8000;
/** A connection that lasted this long was a good one: the next retry starts from the shortest wait. */
const STABLE_MS = 5000;

export function streamUrl(detail: StreamDetail, rate?: number, token?: string | null): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const query = new URLSearchParams({ detail });
  if (rate !== undefined) query.set('rate', String(rate));
  // Browsers cannot set headers on a WebSocket: the token goes in the query.
  if (token) query.set('token', token);
  return `${scheme}//${location.host}/api/stream?${query.toString()}`;
}

function asFrame(data: unknown): TrackingFrame | null {
  if (typeof data !== 'object' || data === null) return null;
  const record = data as Record<string, unknown>;
  if (record.type === 'frame' && typeof record.frame === 'object' && record.frame !== null) return asFrame(record.frame);
  return typeof record.timeMs === 'number' && 'face' in record ? (data as TrackingFrame) : null;
}

export function openTrackingStream(options: StreamOptions): TrackingStream {
  let socket: WebSocket | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let backoff = MIN_BACKOFF_MS;
  let closed = false;

  const connect = (): void => {
    options.onState?.('connecting');
    const openedAt = performance.now();
    let opened = false;
    const ws = new WebSocket(options.url ?? streamUrl(options.detail ?? 'pose', options.rate, options.token?.()));
    socket = ws;
    ws.onopen = () => {
      opened = true;
      options.onState?.('open');
    };
    ws.onmessage = (event: MessageEvent) => {
      if (typeof event.data !== 'string') return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(event.data);
      } catch {
        return;
      }
      const frame = asFrame(parsed);
      if (frame) options.onFrame(frame);
    };
    ws.onclose = () => {
      socket = null;
      if (closed) return;
      options.onState?.('closed');
      if (opened && performance.now() - openedAt > STABLE_MS) backoff = MIN_BACKOFF_MS;
      const wait = backoff * (0.75 + 0.5 * Math.random());
      backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      timer = setTimeout(connect, wait);
    };
    // An error is always followed by close, where the retry is scheduled.
    ws.onerror = () => {};
  };
  connect();

  return {
    close() {
      closed = true;
      clearTimeout(timer);
      socket?.close();
      socket = null;
    },
  };
}
