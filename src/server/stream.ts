/**
 * The WebSocket stream of TrackingFrames (/api/stream): each client chooses its rate and detail.
 *
 * It never slows tracking: the frame listener only serialises (once per detail level per frame,
 * shared by all clients at that level) and hands strings to sockets that are keeping up. A client
 * whose unsent data exceeds `maxBufferedBytes` has frames skipped (counted) instead of queued, so a
 * client that stops reading costs a bounded amount of memory and nothing else. Clients are not
 * meant to send anything; messages from them are ignored (and capped in size by the server).
 */
import type { WebSocket } from 'ws';
import type { ServiceControl } from '../service/control';
import { RateLimiter } from '../outputs/rate-limit';
import { frameToJsonLine } from '../tracking/serialize';
import type { TrackingFrame } from '../tracking/types';
import { frameAtDetail, STREAM_DETAILS, type StreamDetail } from './stream-detail';

/** Ping idle clients this often; one that has not answered the previous ping is dropped. */
const HEARTBEAT_MS = 15_000;

export interface StreamClientStats {
  peer: string;
  rateHz: number;
  detail: StreamDetail;
  sent: number;
  /** Frames not sent because the client had too much unsent data (a slow reader). */
  skipped: number;
  bufferedBytes: number;
}

export interface StreamStats {
  clients: number;
  framesSent: number;
  framesSkipped: number;
}

interface Client {
  ws: WebSocket;
  stats: StreamClientStats;
  /**
   * The client's rate, on the monotonic clock of the frames' arrival (as every output limits its rate),
   * never on their timestamps: a folder of stills repeats its timestamps and starts them over at every
   * pass, a looped file starts over at its end, so a limit on media time stalled those streams.
   */
  limiter: RateLimiter;
  alive: boolean;
}

export class TrackingStream {
  private readonly clients = new Set<Client>();
  private unsubscribe: (() => void) | null = null;
  private readonly heartbeat: NodeJS.Timeout;
  private framesSent = 0;
  private framesSkipped = 0;
  /** Serialised messages of the current frame, one per detail level, made on first use. */
  private readonly messages = new Map<StreamDetail, string>();

  constructor(
    private readonly control: ServiceControl,
    private readonly maxBufferedBytes: number,
    private readonly log: (line: string) => void,
  ) {
    this.heartbeat = setInterval(() => this.checkAlive(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  get size(): number {
    return this.clients.size;
  }

  add(ws: WebSocket, peer: string, rateHz: number, detail: StreamDetail): void {
    const client: Client = {
      ws,
      stats: { peer, rateHz, detail, sent: 0, skipped: 0, bufferedBytes: 0 },
      limiter: new RateLimiter(rateHz),
      alive: true,
    };
    this.clients.add(client);
    ws.on('pong', () => (client.alive = true));
    ws.on('message', () => undefined);
    ws.on('error', () => ws.terminate());
    ws.on('close', () => this.remove(client));
    ws.send(JSON.stringify({ type: 'hello', rateHz, detail, details: STREAM_DETAILS }));
    // Subscribe only while someone listens: no clients, no cost per frame.
    this.unsubscribe ??= this.control.onFrame((frame) => this.onFrame(frame));
  }

  stats(): StreamStats {
    return { clients: this.clients.size, framesSent: this.framesSent, framesSkipped: this.framesSkipped };
  }

  clientStats(): StreamClientStats[] {
    return [...this.clients].map((c) => ({ ...c.stats, bufferedBytes: c.ws.bufferedAmount }));
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const c of this.clients) c.ws.close(1001, 'server closing');
    this.clients.clear();
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  private remove(client: Client): void {
    this.clients.delete(client);
    if (this.clients.size === 0 && this.unsubscribe) {
      this.unsubscribe();
      this.unsubscribe = null;
    }
  }

  private onFrame(frame: TrackingFrame): void {
    try {
      this.messages.clear();
      for (const c of this.clients) {
        if (c.ws.readyState !== c.ws.OPEN || !c.limiter.take()) continue;
        if (c.ws.bufferedAmount > this.maxBufferedBytes) {
          c.stats.skipped++;
          this.framesSkipped++;
          continue;
        }
        let message = this.messages.get(c.stats.detail);
        if (message === undefined) {
          message = `{"type":"frame","frame":${frameToJsonLine(frameAtDetail(frame, c.stats.detail) as TrackingFrame)}}`;
          this.messages.set(c.stats.detail, message);
        }
        c.ws.send(message);
        c.stats.sent++;
        this.framesSent++;
      }
    } catch (err) {
      // The producer is the tracking loop: a bug here must never reach it.
      this.log(`stream: ${(err as Error).stack ?? String(err)}`);
    }
  }

  private checkAlive(): void {
    for (const c of this.clients) {
      if (!c.alive) {
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }
}
