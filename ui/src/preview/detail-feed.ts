/**
 * A low-rate WebSocket stream at a detailed level (detail=full: the 468 mesh points) for the camera
 * view's overlay. Separate from the avatar's stream (pose only, full rate) so the heavy frames are
 * sent only while the camera view is open, and only a few a second.
 * Messages: `{"type":"hello",...}` once, then `{"type":"frame","frame":StreamFrame}` (src/server/stream.ts).
 */
import type { FrameFeed } from './camera-preview';
import type { StreamFrame } from './stream-frame';

export interface DetailFeedOptions {
  baseUrl: string;
  rateHz: number;
  detail: 'full' | 'landmarks68' | 'pose';
}

export function openDetailFeed(options: DetailFeedOptions): FrameFeed & { close(): void } {
  const listeners = new Set<(f: StreamFrame) => void>();
  const url = new URL(`/api/stream?rate=${options.rateHz}&detail=${options.detail}`, options.baseUrl);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  let ws: WebSocket | null = null;
  let closed = false;
  let retry: ReturnType<typeof setTimeout> | null = null;

  const connect = () => {
    ws = new WebSocket(url);
    ws.onmessage = (ev) => {
      if (typeof ev.data !== 'string') return;
      let msg: unknown;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      const m = msg as { type?: unknown; frame?: StreamFrame };
      if (m.type === 'frame' && m.frame && typeof m.frame === 'object') for (const fn of listeners) fn(m.frame);
    };
    // A dropped stream (service restart) comes back by itself while the view is open.
    ws.onclose = () => {
      if (!closed) retry = setTimeout(connect, 1000);
    };
  };
  connect();

  return {
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    close() {
      closed = true;
      if (retry) clearTimeout(retry);
      ws?.close();
      listeners.clear();
    },
  };
}
