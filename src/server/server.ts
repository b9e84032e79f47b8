/**
 * The HTTP + WebSocket server of the running service: the JSON API (routes.ts), the tracking stream
 * (/api/stream, stream.ts) and the UI's files (static-files.ts), on node:http and `ws`.
 *
 * Whatever a client sends, it gets a clean answer and the service keeps running: bodies and
 * headers are size-limited, each address has a request budget (token bucket, 429 + Retry-After),
 * connections are bounded in number (overall and per address) and in time (slowloris), every error
 * is a JSON body, and a bug in a handler becomes a logged 500.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { ServiceControl } from '../service/control';
import { bearerToken, checkAccess, isTrusted, type Caller } from './access';
import { ApiError, sendError, type ErrorBody } from './errors';
import { PairingStore } from './pairing';
import { isLoopbackAddress } from './peer';
import { PreviewCache } from './preview';
import { apiRoutes } from './routes';
import { LIVE2D_FILES_PREFIX } from './avatar-routes';
import { StaticFiles } from './static-files';
import { TrackingStream } from './stream';
import { isStreamDetail, type StreamDetail } from './stream-detail';
import { KeyedTokenBuckets } from './token-bucket';

/** Stream details an unpaired host may ask for (stream-detail.ts). */
const OPEN_STREAM_DETAILS: ReadonlySet<string> = new Set(['none', 'pose']);

export interface ServerLimits {
  /** Largest request body (413 beyond). */
  maxBodyBytes: number;
  /** Largest request head (431 beyond). */
  maxHeaderBytes: number;
  /** Sustained requests a second per address, and the burst allowed on top (429 beyond). */
  requestsPerSecond: number;
  requestBurst: number;
  /** Pairing attempts a minute per address (429 beyond). */
  pairAttemptsPerMinute: number;
  /** Preview pictures a second per address (429 beyond; encodes are shared anyway, see preview.ts). */
  previewPerSecond: number;
  /** Open connections in all, and per address (further ones are closed at once). */
  maxConnections: number;
  maxConnectionsPerAddress: number;
  maxStreamClients: number;
  /** Unsent bytes above which a stream client's frames are skipped. */
  streamMaxBufferedBytes: number;
  /** Time to send the request head; to send the whole request; an idle keep-alive connection lives. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  maxBodyBytes: 64 * 1024,
  maxHeaderBytes: 16 * 1024,
  requestsPerSecond: 30,
  requestBurst: 60,
  pairAttemptsPerMinute: 5,
  previewPerSecond: 30,
  maxConnections: 128,
  maxConnectionsPerAddress: 32,
  maxStreamClients: 16,
  streamMaxBufferedBytes: 256 * 1024,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 15_000,
  keepAliveTimeoutMs: 5_000,
};

export interface ServerOptions {
  /** TCP port (0: any free port; see RunningServer.port). */
  port: number;
  /** Address to listen on ("0.0.0.0", "::", "127.0.0.1"). */
  bind: string;
  /** Where pairing.json (the paired clients' token hashes) lives: the service's state folder. */
  stateDir: string;
  /** The built UI (ui/dist). Absent or not built: `/` answers 404 no-ui. */
  uiDir?: string;
  /**
   * Fixed values for settings.network.allowRemoteChanges / readOnlyStream. Leave them out to follow
   * the live settings (a PATCH that switches remote changes off takes effect on the next request).
   */
  allowRemoteChanges?: boolean;
  readOnlyStream?: boolean;
  limits?: Partial<ServerLimits>;
  /** Where problems go (a handler's bug, a bad pairing file); default stderr. */
  log?: (line: string) => void;
}

export interface ApiStats {
  requests: number;
  errors4xx: number;
  errors5xx: number;
  rateLimited: number;
  connectionsRefused: number;
  /** Connections open now (all addresses). */
  connectionsOpen: number;
  stream: ReturnType<TrackingStream['stats']>;
}

export interface RunningServer {
  /** http://host:port/ as a browser on this machine would open it. */
  url: string;
  port: number;
  pairing: PairingStore;
  stats(): ApiStats;
  streamClients(): ReturnType<TrackingStream['clientStats']>;
  /** Stop listening, close every connection and stream client. Idempotent. */
  close(): Promise<void>;
}

function errorResponse(status: number, body: ErrorBody, extra: Record<string, string> = {}): string {
  const text = JSON.stringify(body);
  const headers = { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), connection: 'close', ...extra };
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${text}`;
}

/** Answer an upgrade request (a raw socket, no ServerResponse) with a JSON error and hang up. */
function refuseUpgrade(socket: Duplex, err: ApiError): void {
  if (socket.writable) socket.end(errorResponse(err.status, err.body(), err.extra.headers));
  setTimeout(() => socket.destroy(), 1000).unref();
}

function urlHost(bind: string, port: number): string {
  const host = bind === '0.0.0.0' || bind === '::' ? '127.0.0.1' : bind;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export async function startServer(control: ServiceControl, options: ServerOptions): Promise<RunningServer> {
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const log = options.log ?? ((line: string) => process.stderr.write(`vtlink api: ${line}\n`));
  const pairing = await PairingStore.open(options.stateDir);
  if (pairing.loadProblem) log(pairing.loadProblem);

  const allowRemoteChanges = (): boolean => options.allowRemoteChanges ?? control.settings().network.allowRemoteChanges;
  const readOnlyStream = (): boolean => options.readOnlyStream ?? control.settings().network.readOnlyStream;

  const stream = new TrackingStream(control, limits.streamMaxBufferedBytes, log);
  const requestBuckets = new KeyedTokenBuckets(limits.requestsPerSecond, limits.requestBurst);
  const routes = apiRoutes({
    control,
    pairing,
    stream,
    preview: new PreviewCache(control),
    previewBuckets: new KeyedTokenBuckets(limits.previewPerSecond, limits.previewPerSecond),
    pairBuckets: new KeyedTokenBuckets(limits.pairAttemptsPerMinute / 60, limits.pairAttemptsPerMinute),
    maxBodyBytes: limits.maxBodyBytes,
  });
  const staticFiles = options.uiDir ? new StaticFiles(options.uiDir) : null;
  const counters = { requests: 0, errors4xx: 0, errors5xx: 0, rateLimited: 0, connectionsRefused: 0 };
  /** Connections whose request body a handler streams for as long as it takes (Route.streamsBody). */
  const streamingSockets = new WeakSet<Duplex>();

  const callerOf = (req: IncomingMessage): Caller => {
    const peer = req.socket.remoteAddress ?? 'unknown';
    return { peer, local: isLoopbackAddress(peer) };
  };

  const rateLimit = (caller: Caller): void => {
    const wait = requestBuckets.take(caller.peer);
    if (wait > 0) {
      counters.rateLimited++;
      throw new ApiError(429, 'too-many-requests', 'too many requests; slow down', { headers: { 'retry-after': String(Math.max(1, Math.ceil(wait))) } });
    }
  };

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const caller = callerOf(req);
    rateLimit(caller);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://vtlink.invalid');
    } catch {
      throw new ApiError(400, 'bad-url', 'malformed request URL');
    }
    const method = req.method ?? 'GET';
    // A Live2D model's files are one route for every path under it (the model names them relatively).
    const entry = routes.get(url.pathname) ?? (url.pathname.startsWith(LIVE2D_FILES_PREFIX) ? routes.get(LIVE2D_FILES_PREFIX) : undefined);
    if (entry) {
      const r = entry[method];
      if (!r) throw new ApiError(405, 'method-not-allowed', `${method} is not allowed on ${url.pathname}`, { headers: { allow: Object.keys(entry).join(', ') } });
      checkAccess(req, caller, r.access, pairing, allowRemoteChanges());
      if (r.streamsBody) {
        // An upload (PUT /api/update/bundle) may take longer than requestTimeoutMs; its handler
        // bounds it by inactivity instead. Marked only after the access check.
        streamingSockets.add(req.socket);
        res.once('close', () => streamingSockets.delete(req.socket));
      }
      await r.handle({ req, res, url, caller, trusted: isTrusted(req, caller, pairing) });
      return;
    }
    if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
      if (url.pathname === '/api/stream') throw new ApiError(426, 'upgrade-required', 'the stream is a WebSocket: connect with ws://…/api/stream', { headers: { upgrade: 'websocket' } });
      throw new ApiError(404, 'not-found', `no API route ${url.pathname}`);
    }
    if (method !== 'GET' && method !== 'HEAD') throw new ApiError(405, 'method-not-allowed', `${method} is not allowed here`, { headers: { allow: 'GET, HEAD' } });
    if (!staticFiles) throw new ApiError(404, 'no-ui', 'this service runs without a UI');
    await staticFiles.serve(req, res, url.pathname);
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    counters.requests++;
    route(req, res).then(
      () => undefined,
      (err: unknown) => {
        let apiErr: ApiError;
        if (err instanceof ApiError) {
          apiErr = err;
        } else {
          log(`${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}`);
          apiErr = new ApiError(500, 'internal-error', `internal error: ${(err as Error)?.message ?? String(err)}`);
        }
        if (apiErr.status >= 500) counters.errors5xx++;
        else counters.errors4xx++;
        if (res.headersSent) {
          res.destroy();
          return;
        }
        // A body we did not read would otherwise be parsed as the next request.
        if (!req.complete) res.setHeader('connection', 'close');
        sendError(res, apiErr);
      },
    );
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    try {
      const caller = callerOf(req);
      rateLimit(caller);
      const url = new URL(req.url ?? '/', 'http://vtlink.invalid');
      if (url.pathname !== '/api/stream') throw new ApiError(404, 'not-found', `no WebSocket at ${url.pathname}`);
      if (!caller.local) {
        if (!control.settings().outputs.websocket.enabled) throw new ApiError(403, 'stream-disabled', 'the tracking stream is switched off for other hosts (settings.outputs.websocket.enabled)');
        const paired = isTrusted(req, caller, pairing, bearerToken(req) ?? url.searchParams.get('token'));
        if (!paired && !readOnlyStream()) {
          throw new ApiError(403, 'stream-private', 'the open tracking stream is switched off (settings.network.readOnlyStream): pair first and pass the token');
        }
        // The open stream carries what an overlay needs (pose, gaze, expressions, irises), not the
        // face's shape: its points are for the kiosk and paired hosts, like the camera picture.
        const detail = url.searchParams.get('detail');
        if (!paired && detail !== null && isStreamDetail(detail) && !OPEN_STREAM_DETAILS.has(detail)) {
          throw new ApiError(403, 'stream-detail-private', `detail=${detail} (the face's points) is for paired hosts: pair first and pass the token, or ask for detail=none or pose`);
        }
      }
      const maxRate = control.settings().outputs.websocket.maxRateHz;
      const rateParam = url.searchParams.get('rate');
      const rate = rateParam === null ? Math.min(30, maxRate) : Number(rateParam);
      if (!Number.isInteger(rate) || rate < 1 || rate > 120) throw new ApiError(400, 'bad-rate', 'rate must be a whole number of frames a second, 1 to 120');
      const detailParam = url.searchParams.get('detail') ?? 'none';
      if (!isStreamDetail(detailParam)) throw new ApiError(400, 'bad-detail', 'detail must be none, pose, landmarks68 or full');
      if (stream.size >= limits.maxStreamClients) throw new ApiError(503, 'too-many-clients', 'too many stream clients', { headers: { 'retry-after': '5' } });
      const detail: StreamDetail = detailParam;
      wss.handleUpgrade(req, socket, head, (ws) => stream.add(ws, caller.peer, Math.min(rate, maxRate), detail));
    } catch (err) {
      if (err instanceof ApiError) {
        counters.errors4xx++;
        refuseUpgrade(socket, err);
      } else {
        counters.errors5xx++;
        log(`upgrade ${req.url}: ${(err as Error)?.stack ?? String(err)}`);
        refuseUpgrade(socket, new ApiError(500, 'internal-error', 'internal error'));
      }
    }
  }

  const server = createServer({
    maxHeaderSize: limits.maxHeaderBytes,
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    // How often the two timeouts above are checked (default 30 s would let slowloris linger).
    connectionsCheckingInterval: 500,
  });
  server.maxConnections = limits.maxConnections;
  server.on('request', onRequest);
  server.on('upgrade', onUpgrade);

  const perAddress = new Map<string, number>();
  server.on('connection', (socket: Socket) => {
    const peer = socket.remoteAddress ?? 'unknown';
    const n = (perAddress.get(peer) ?? 0) + 1;
    if (n > limits.maxConnectionsPerAddress) {
      counters.connectionsRefused++;
      socket.destroy();
      return;
    }
    perAddress.set(peer, n);
    socket.once('close', () => {
      const left = (perAddress.get(peer) ?? 1) - 1;
      if (left <= 0) perAddress.delete(peer);
      else perAddress.set(peer, left);
    });
  });
  server.on('drop', () => counters.connectionsRefused++);

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // Node's whole-request limit firing on a streamed upload: not an error, the handler has it in hand.
    if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT' && streamingSockets.has(socket)) return;
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    counters.errors4xx++;
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const code = status === 431 ? 'headers-too-large' : status === 408 ? 'request-timeout' : 'bad-request';
    socket.end(errorResponse(status, { error: { code, message: `malformed or incomplete request (${err.code ?? err.message})` } }));
    setTimeout(() => socket.destroy(), 1000).unref();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.bind, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log(`server: ${err.message}`));
  const port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | null = null;
  return {
    url: `http://${urlHost(options.bind, port)}/`,
    port,
    pairing,
    stats: () => ({ ...counters, connectionsOpen: [...perAddress.values()].reduce((a, b) => a + b, 0), stream: stream.stats() }),
    streamClients: () => stream.clientStats(),
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        stream.close();
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      })),
  };
}

