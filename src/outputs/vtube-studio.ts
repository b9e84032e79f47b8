/**
 * VTube Studio plugin output: drives a Live2D model in VTube Studio through its public WebSocket
 * plugin API (github.com/DenchiSoft/VTubeStudio; default ws://localhost:8001, "Allow Plugin API
 * access" switched on in VTS).
 *
 * Flow on every connection: APIStateRequest; if the session is not authenticated yet,
 * AuthenticationRequest with the saved token, or, when there is none (first run) or VTS rejects it
 * (the user revoked the plugin), AuthenticationTokenRequest, which pops up an approval dialog in
 * VTS; the token it returns is saved in the token store and used from then on. After each
 * successful authentication, one ParameterCreationRequest per ARKit blend shape creates the 52
 * custom parameters of VTS_CUSTOM_PARAMETERS ("VTLink" + the ARKit name, e.g. VTLinkEyeBlinkLeft;
 * range 0..1, default 0). VTS keeps custom parameters in its config between sessions and deletes
 * them when the user revokes the plugin; creating one again from the same plugin succeeds, so they
 * are created on every authentication rather than trusted to still be there. Then
 * InjectParameterDataRequest ("set" mode, faceFound true) with all of VTS_PARAMETERS
 * (vtube-studio/parameters.ts: FaceAngleX/Y/Z, FacePositionX/Y/Z, EyeOpenLeft/Right,
 * EyeLeftX/Y, EyeRightX/Y, MouthOpen, MouthSmile, MouthX, Brows, BrowLeftY, BrowRightY) followed
 * by each custom parameter VTS has confirmed (ParameterCreationResponse) in this session, at most
 * `rateHz` times a second. VTS refuses a whole injection that names a parameter it does not have,
 * so an unconfirmed one is never sent. VTS forgets a parameter that is not refreshed within a
 * second, so the last face's values are re-sent every `keepaliveMs` while frames keep coming (even
 * unchanged) and for `holdMs` after the last one; a frame without a face sends nothing, so VTS
 * plays its "tracking lost" behaviour.
 *
 * Failures: VTS not running or the connection dropping -> `no-listener`, reconnect with back-off
 * (0.5 s doubling to 5 s) and authenticate again with the saved token; the user denying the
 * plugin -> `error`, asked again after `deniedRetryMs`; an injection VTS refuses (another plugin
 * owns a parameter) -> counted in `errors` with the reason in `detail`, still `sending`; an
 * injection refused for lack of authentication (token revoked mid-session) -> authenticate again
 * (and create the custom parameters again). A custom parameter VTS refuses to create (name taken by
 * another plugin, VTS's limit of custom parameters reached) -> counted in `errors`, `detail` says
 * how many, logged once per error kind; it is left out of the injections and not asked for again
 * until the next authentication. An injection refused because a custom parameter is gone (the user
 * deleted it in VTS) -> the custom parameters are created again once; if that happens twice in a
 * session, only the default parameters are sent until the next authentication.
 */

import WebSocket from 'ws';
import type { TrackingFrame } from '../tracking/types';
import { Backoff, DEFAULT_BACKOFF, type BackoffOptions } from './backoff';
import type { OutputState, TrackingOutput } from './output';
import { parseVtsResponse, VTS_API_NAME, VTS_API_VERSION, VTS_ERROR, vtsRequest, type VtsResponse } from './vtube-studio/messages';
import { VTS_CUSTOM_PARAMETERS, VtsBlendshapeMapper, VtsParameterMapper, type VtsParameterValue } from './vtube-studio/parameters';
import type { VtsTokenStore } from './vtube-studio/token-store';

export { FileTokenStore, type VtsTokenStore } from './vtube-studio/token-store';
export { EYE_RANGE_DEG, VTS_CUSTOM_PARAMETERS, VTS_CUSTOM_PREFIX, VTS_PARAMETERS } from './vtube-studio/parameters';

export interface VTubeStudioOutputOptions {
  /** Default ws://localhost:8001. */
  url?: string;
  /** Keeps the plugin token between runs (e.g. new FileTokenStore(stateDirectory)). */
  tokenStore: VtsTokenStore;
  /** Shown in VTS's approval dialog, 3..32 characters. Default "vtlink". */
  pluginName?: string;
  /** Shown in VTS's approval dialog, 3..32 characters. Default "vtlink project". */
  pluginDeveloper?: string;
  /** Optional base64 PNG/JPEG, exactly 128x128, shown in the approval dialog. */
  pluginIcon?: string;
  /** Most injections a second. Default 30. */
  rateHz?: number;
  /** Re-send the last values when nothing was sent for this long (must be < 1000). Default 400. */
  keepaliveMs?: number;
  /** Keep re-sending the last face this long after the last frame arrived. Default 3000. */
  holdMs?: number;
  /** Head distance that maps to FacePositionZ 0. Default 600 mm. */
  referenceDistanceMm?: number;
  /** Reconnect delays. Default 0.5 s doubling to 5 s. */
  backoff?: BackoffOptions;
  /** Wait before asking again after the user denied the plugin. Default 30 s. */
  deniedRetryMs?: number;
  /** Monotonic clock in ms for the rate limit, keepalive and hold. Default performance.now; tests
   *  inject their own to check those decisions at exact times. */
  nowMs?: () => number;
  /** Where problems the user should see once go (a custom parameter VTS refused). Default: nowhere
   *  (they are still in `state().detail`). */
  log?: { warn(message: string): void };
}

type Phase = 'connecting' | 'api-state' | 'authenticating' | 'awaiting-approval' | 'ready' | 'closed';

/** Beyond this much unsent data the connection is not keeping up: skip frames rather than queue. */
const MAX_BUFFERED_BYTES = 64 * 1024;

export class VTubeStudioOutput implements TrackingOutput {
  readonly name = 'vtube-studio';
  private readonly url: string;
  private readonly store: VtsTokenStore;
  private readonly plugin: { pluginName: string; pluginDeveloper: string };
  private readonly pluginIcon: string | undefined;
  private readonly periodMs: number;
  private readonly keepaliveMs: number;
  private readonly holdMs: number;
  private readonly deniedRetryMs: number;
  private readonly now: () => number;
  private readonly backoff: Backoff;
  private readonly mapper: VtsParameterMapper;
  private readonly customMapper = new VtsBlendshapeMapper();
  private readonly log: { warn(message: string): void } | undefined;
  private readonly injection: {
    apiName: typeof VTS_API_NAME;
    apiVersion: typeof VTS_API_VERSION;
    requestID: string;
    messageType: 'InjectParameterDataRequest';
    data: { faceFound: boolean; mode: 'set'; parameterValues: VtsParameterValue[] };
  };

  private ws: WebSocket | null = null;
  private phase: Phase = 'connecting';
  private token: string | null = null;
  /** The saved token was refused: do not load it again until a new one is saved. */
  private savedTokenRefused = false;
  private nextRetryMs: number | null = null;
  /** Why this side gave up on the connection (shown instead of the socket's close reason). */
  private failReason: string | null = null;
  private requestCounter = 0;
  private hasFace = false;
  private dirty = false;
  private lastFaceAt = -Infinity;
  private lastInjectAt = -Infinity;
  private flushTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly keepaliveTimer: NodeJS.Timeout;
  /** Custom parameters VTS confirmed in this authenticated session (by VTS_CUSTOM_PARAMETERS index). */
  private readonly customCreated: boolean[] = VTS_CUSTOM_PARAMETERS.map(() => false);
  /** This session's unanswered ParameterCreationRequests: requestID -> VTS_CUSTOM_PARAMETERS index. */
  private readonly pendingCreations = new Map<string, number>();
  private customRefused = 0;
  /** Request number at the last reset of the custom parameters: errors about older injections are stale. */
  private customResetAt = 0;
  /** The custom parameters were created again this session because VTS lost them (only once). */
  private customRecreated = false;
  /** Error IDs already logged, so a refusal repeated on every reconnect is logged once. */
  private readonly loggedErrors = new Set<number>();
  private status: OutputState = { status: 'no-listener', detail: 'connecting', framesSent: 0, errors: 0 };

  constructor(options: VTubeStudioOutputOptions) {
    this.url = options.url ?? 'ws://localhost:8001';
    this.store = options.tokenStore;
    this.plugin = { pluginName: options.pluginName ?? 'vtlink', pluginDeveloper: options.pluginDeveloper ?? 'vtlink project' };
    for (const [field, value] of Object.entries(this.plugin)) {
      if (value.length < 3 || value.length > 32) throw new RangeError(`vtube-studio ${field} must be 3..32 characters, got "${value}"`);
    }
    this.pluginIcon = options.pluginIcon;
    const rateHz = options.rateHz ?? 30;
    if (!(rateHz > 0)) throw new RangeError(`vtube-studio rateHz must be > 0, got ${rateHz}`);
    this.periodMs = 1000 / rateHz;
    this.keepaliveMs = options.keepaliveMs ?? 400;
    if (!(this.keepaliveMs > 0 && this.keepaliveMs < 1000)) throw new RangeError('vtube-studio keepaliveMs must be in (0, 1000)');
    this.holdMs = options.holdMs ?? 3000;
    this.deniedRetryMs = options.deniedRetryMs ?? 30_000;
    this.now = options.nowMs ?? ((): number => performance.now());
    this.backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF);
    this.mapper = new VtsParameterMapper(options.referenceDistanceMm);
    this.log = options.log;
    this.injection = {
      apiName: VTS_API_NAME,
      apiVersion: VTS_API_VERSION,
      requestID: '',
      messageType: 'InjectParameterDataRequest',
      data: { faceFound: true, mode: 'set', parameterValues: this.mapper.values },
    };
    this.keepaliveTimer = setInterval(() => this.keepalive(), Math.max(10, Math.min(100, this.keepaliveMs / 4)));
    this.keepaliveTimer.unref();
    this.connect();
  }

  send(frame: TrackingFrame): void {
    if (this.phase === 'closed') return;
    if (!frame.face) {
      this.hasFace = false;
      this.dirty = false;
      return;
    }
    this.mapper.update(frame.face);
    this.customMapper.update(frame.face);
    this.hasFace = true;
    this.dirty = true;
    this.lastFaceAt = this.now();
    this.schedule();
  }

  state(): OutputState {
    return { ...this.status };
  }

  async close(): Promise<void> {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    clearInterval(this.keepaliveTimer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.flushTimer = null;
    this.reconnectTimer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      ws.terminate();
    }
    this.status = { ...this.status, status: 'off', detail: undefined };
  }

  // --- connection and authentication -----------------------------------------------------------

  private connect(): void {
    this.reconnectTimer = null;
    if (this.phase === 'closed') return;
    this.phase = 'connecting';
    this.setStatus('no-listener', `connecting to ${this.url}`);
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url, { handshakeTimeout: 5000, perMessageDeflate: false });
    } catch (err) {
      this.setStatus('error', `bad VTube Studio address ${this.url}: ${errorText(err)}`);
      return;
    }
    this.ws = ws;
    let lastError = 'connection closed';
    ws.on('open', () => {
      if (this.ws !== ws) return;
      this.phase = 'api-state';
      this.request('APIStateRequest', 'state');
    });
    ws.on('message', (data: WebSocket.RawData) => {
      if (this.ws === ws) void this.onMessage(ws, data.toString());
    });
    ws.on('error', (err: Error) => {
      lastError = err.message;
    });
    ws.on('close', () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.phase === 'closed') return;
      const reason = this.failReason ?? `VTube Studio at ${this.url}: ${lastError}`;
      this.failReason = null;
      this.scheduleReconnect(reason);
    });
  }

  private scheduleReconnect(reason: string): void {
    const delay = this.nextRetryMs ?? this.backoff.next();
    const denied = this.nextRetryMs !== null;
    this.nextRetryMs = null;
    this.phase = 'connecting';
    this.setStatus(denied ? 'error' : 'no-listener', `${reason}; reconnecting in ${delay} ms`);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
    this.reconnectTimer.unref();
  }

  private async onMessage(ws: WebSocket, text: string): Promise<void> {
    const msg = parseVtsResponse(text);
    if (!msg) return;
    switch (msg.messageType) {
      case 'APIStateResponse':
        if (msg.data.currentSessionAuthenticated === true) this.ready();
        else await this.authenticate(ws);
        return;
      case 'AuthenticationTokenResponse':
        await this.tokenReceived(ws, msg.data.authenticationToken);
        return;
      case 'AuthenticationResponse':
        if (msg.data.authenticated === true) this.ready();
        else this.tokenRefused();
        return;
      case 'InjectParameterDataResponse':
        this.status.framesSent++;
        return;
      case 'ParameterCreationResponse':
        this.customConfirmed(msg.requestID);
        return;
      case 'APIError':
        this.onApiError(ws, msg);
        return;
      default:
        return; // events and anything newer: not ours to handle
    }
  }

  private async authenticate(ws: WebSocket): Promise<void> {
    this.phase = 'authenticating';
    if (!this.token && !this.savedTokenRefused) {
      try {
        this.token = await this.store.load();
      } catch (err) {
        this.setStatus('no-listener', `could not read the saved VTube Studio token: ${errorText(err)}`);
      }
      if (this.ws !== ws) return;
    }
    if (this.token) this.requestAuthentication();
    else this.requestToken();
  }

  private requestAuthentication(): void {
    this.phase = 'authenticating';
    this.request('AuthenticationRequest', 'auth', { ...this.plugin, authenticationToken: this.token });
  }

  private requestToken(): void {
    this.phase = 'awaiting-approval';
    this.setStatus('no-listener', `waiting for the user to allow "${this.plugin.pluginName}" in VTube Studio`);
    this.request('AuthenticationTokenRequest', 'token', this.pluginIcon ? { ...this.plugin, pluginIcon: this.pluginIcon } : this.plugin);
  }

  private async tokenReceived(ws: WebSocket, token: unknown): Promise<void> {
    if (typeof token !== 'string' || token.length === 0) {
      this.fail(ws, 'VTube Studio sent an empty token');
      return;
    }
    this.token = token;
    this.savedTokenRefused = false;
    try {
      await this.store.save(token);
    } catch (err) {
      // Still usable for this session; the user will be asked again next run.
      this.status.errors++;
      this.status.detail = `could not save the VTube Studio token: ${errorText(err)}`;
    }
    if (this.ws === ws) this.requestAuthentication();
  }

  /** The token is invalid or was revoked: ask the user for a new one. */
  private tokenRefused(): void {
    this.token = null;
    this.savedTokenRefused = true;
    this.requestToken();
  }

  private onApiError(ws: WebSocket, msg: VtsResponse): void {
    const id = typeof msg.data.errorID === 'number' ? msg.data.errorID : -1;
    const text = `VTube Studio: ${typeof msg.data.message === 'string' ? msg.data.message : 'error'} (error ${id})`;
    const [kind, number] = msg.requestID.split('-');
    this.status.errors++;
    if (kind === 'param' && !this.pendingCreations.has(msg.requestID)) return; // asked in an earlier session
    if (kind === 'token') {
      if (id === VTS_ERROR.tokenRequestDenied) this.nextRetryMs = this.deniedRetryMs;
      this.fail(ws, text);
    } else if (kind === 'auth') {
      this.tokenRefused();
    } else if ((kind === 'inject' || kind === 'param') && (id === VTS_ERROR.requestRequiresAuthentication || id === VTS_ERROR.tokenRequestDenied)) {
      // Revoked or the session lost its authentication: authenticate again (a revoked token is
      // then refused and a new one requested).
      if (this.phase !== 'ready') return;
      this.setStatus('no-listener', text);
      if (this.token) this.requestAuthentication();
      else this.requestToken();
    } else if (kind === 'param') {
      this.customRefusedFor(msg.requestID, id, text);
    } else if (kind === 'inject' && id === VTS_ERROR.injectDataParamNameNotFound && Number(number) > this.customResetAt) {
      this.customLost(text);
    } else {
      this.status.detail = text; // e.g. a parameter owned by another plugin: keep sending the rest
    }
  }

  /** Gives up on this connection; the close handler reconnects. */
  private fail(ws: WebSocket, reason: string): void {
    this.setStatus(this.nextRetryMs !== null ? 'error' : 'no-listener', reason);
    this.failReason = reason;
    ws.close();
  }

  private ready(): void {
    this.phase = 'ready';
    this.backoff.reset();
    this.setStatus('sending', undefined);
    this.customRecreated = false;
    this.createCustomParameters();
    this.schedule();
  }

  // --- custom parameters ---------------------------------------------------------------------------

  /** Asks VTS for all custom parameters; until each is confirmed only the others are injected. */
  private createCustomParameters(): void {
    this.resetCustom();
    VTS_CUSTOM_PARAMETERS.forEach((p, i) => {
      const data = { parameterName: p.name, explanation: p.explanation, min: p.min, max: p.max, defaultValue: p.defaultValue };
      const requestID = this.request('ParameterCreationRequest', 'param', data);
      if (requestID) this.pendingCreations.set(requestID, i);
    });
  }

  /** Forgets which custom parameters VTS has: the injections carry the default parameters only. */
  private resetCustom(): void {
    this.customCreated.fill(false);
    this.pendingCreations.clear();
    this.customRefused = 0;
    this.customResetAt = this.requestCounter;
    this.rebuildInjection();
  }

  private customConfirmed(requestID: string): void {
    const i = this.pendingCreations.get(requestID);
    if (i === undefined) return; // asked in an earlier session
    this.pendingCreations.delete(requestID);
    this.customCreated[i] = true;
    this.rebuildInjection();
  }

  /** VTS would not create one custom parameter: leave it out (the defaults and the rest go on). */
  private customRefusedFor(requestID: string, errorID: number, text: string): void {
    const name = VTS_CUSTOM_PARAMETERS[this.pendingCreations.get(requestID)!].name;
    this.pendingCreations.delete(requestID);
    this.customRefused++;
    const detail = `${text} creating ${name}; ${this.customRefused} of ${VTS_CUSTOM_PARAMETERS.length} custom parameters refused, sending the others`;
    this.status.detail = detail;
    this.warnOnce(errorID, detail);
  }

  /** An injection named a custom parameter VTS no longer has (deleted by the user while connected). */
  private customLost(text: string): void {
    if (this.phase !== 'ready') return;
    if (!this.customRecreated) {
      this.customRecreated = true;
      this.status.detail = `${text}; creating the custom parameters again`;
      this.createCustomParameters();
    } else {
      // Lost again right after being created: stop asking until the next authentication.
      this.resetCustom();
      this.status.detail = `${text}; sending the default parameters only until VTube Studio reconnects`;
    }
    this.warnOnce(VTS_ERROR.injectDataParamNameNotFound, this.status.detail);
  }

  private rebuildInjection(): void {
    const list = this.mapper.values.slice();
    for (let i = 0; i < this.customCreated.length; i++) if (this.customCreated[i]) list.push(this.customMapper.values[i]);
    this.injection.data.parameterValues = list;
  }

  private warnOnce(errorID: number, message: string): void {
    if (this.loggedErrors.has(errorID)) return;
    this.loggedErrors.add(errorID);
    this.log?.warn(`vtube-studio: ${message}`);
  }

  // --- sending -----------------------------------------------------------------------------------

  private schedule(): void {
    if (this.flushTimer || !this.dirty || this.phase !== 'ready') return;
    const wait = this.lastInjectAt + this.periodMs - this.now();
    if (wait > 0) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        this.schedule();
      }, wait);
      return;
    }
    this.inject();
  }

  private keepalive(): void {
    if (this.phase !== 'ready' || !this.hasFace) return;
    const now = this.now();
    if (now - this.lastInjectAt >= this.keepaliveMs && now - this.lastFaceAt <= this.holdMs) this.inject();
  }

  private inject(): void {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    this.dirty = false;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) return; // VTS or the link is not keeping up: drop
    this.injection.requestID = `inject-${++this.requestCounter}`;
    ws.send(JSON.stringify(this.injection));
    this.lastInjectAt = this.now();
  }

  /** Sends a request; returns its requestID, or null when there is no open connection. */
  private request(messageType: string, kind: string, data?: object): string | null {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return null;
    const requestID = `${kind}-${++this.requestCounter}`;
    ws.send(JSON.stringify(vtsRequest(messageType, requestID, data)));
    return requestID;
  }

  private setStatus(status: OutputState['status'], detail: string | undefined): void {
    if (this.phase === 'closed') return;
    this.status.status = status;
    this.status.detail = detail;
  }
}

export function createVTubeStudioOutput(options: VTubeStudioOutputOptions): VTubeStudioOutput {
  return new VTubeStudioOutput(options);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
