/**
 * The kiosk app: loads the settings schema and settings from the service, then shows the avatar
 * with the health panel, the camera view and the settings pages. Talks to the service only through
 * the HTTP API (api/http.ts) and the WebSocket stream.
 */
import { ApiClient } from './api/http';
import { openTrackingStream } from './api/stream';
import { avatarChoices, mountAvatar } from './app/avatar-slot';
import type { AppContext } from './app/context';
import { el } from './app/dom';
import { isKioskPage, startKioskHeartbeat } from './app/kiosk-heartbeat';
import { askToPair, loadToken } from './app/pairing-dialog';
import { SettingsState } from './app/settings-state';
import { SettingsView } from './app/settings-view';
import { Shell } from './app/shell';
import { StatusPoller } from './app/status-poller';
import { toast } from './app/toast';
import { CameraPreview, type FrameFeed } from './preview/camera-preview';

/** The camera view's overlay stream: a few detailed frames a second, only while the view is open. */
const PREVIEW_STREAM_HZ = 5;
/** How often the screen reads the settings, to follow changes made elsewhere. */
const SETTINGS_FOLLOW_MS = 2000;
/** At most this many preview images a second, whatever the settings allow. */
const PREVIEW_MAX_FPS = 5;

/** The detailed, low-rate stream the camera view draws its overlay from (open only while shown). */
function openPreviewFeed(): FrameFeed & { close(): void } {
  const listeners = new Set<Parameters<FrameFeed['subscribe']>[0]>();
  // The face's points: the kiosk's, or a paired host's (its token), as the camera picture.
  const stream = openTrackingStream({ detail: 'full', rate: PREVIEW_STREAM_HZ, token: loadToken, onFrame: (f) => listeners.forEach((fn) => fn(f)) });
  return {
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    close() {
      listeners.clear();
      stream.close();
    },
  };
}

async function loadWithRetry<T>(what: string, load: () => Promise<T>, root: HTMLElement): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await load();
    } catch (err) {
      root.replaceChildren(el('div', { class: 'boot', text: `Waiting for the service (${what}: ${err instanceof Error ? err.message : String(err)})…` }));
      await new Promise((r) => setTimeout(r, Math.min(5000, 500 * 2 ** attempt)));
    }
  }
}

async function start(): Promise<void> {
  const root = document.getElementById('app') ?? document.body;
  const api = new ApiClient({ token: loadToken() });
  const [schema, settings] = await Promise.all([
    loadWithRetry('settings schema', () => api.settingsSchema(), root),
    loadWithRetry('settings', () => api.settings(), root),
  ]);
  const state = new SettingsState();
  state.set(settings);
  const status = new StatusPoller(api);
  const ctx: AppContext = {
    api,
    schema,
    settings: state,
    status,
    requestPairing: () => void askToPair(api, (text, kind) => toast(text, kind)),
  };
  const preview = new CameraPreview({
    api,
    width: 320,
    maxFps: Math.min(PREVIEW_MAX_FPS, settings.display.previewFps),
    openFeed: openPreviewFeed,
    mirrored: () => state.current?.camera.mirror === true,
    requestPairing: ctx.requestPairing,
  });
  const avatarHost = el('div', { attrs: { 'data-testid': 'avatar' } });
  const shell = new Shell({ ctx, avatarHost, preview, settings: () => new SettingsView(ctx, avatarChoices()) });
  root.replaceChildren(shell.element);
  status.start();
  // Mounted once the stage is laid out, so the renderer starts at the stage's size.
  const avatar = await mountAvatar(avatarHost, state);
  ctx.reloadAvatar = () => avatar.handle.reloadAvatar();
  // Changes made through the API (the full-screen avatar from a PC, another avatar) reach this screen.
  setInterval(() => void api.settings().then((s) => state.set(s), () => undefined), SETTINGS_FOLLOW_MS);
  // On the box's own screen: report the frame clock, so that a frozen kiosk is restarted. Started once
  // the page is up, so its start (loading, the renderer's set-up) never counts as frozen.
  const kiosk = isKioskPage() ? startKioskHeartbeat(api) : null;
  // For tests and diagnostics: counters of what the page is doing (read-only).
  (window as unknown as { vtlink: unknown }).vtlink = { shell, preview, avatar, state, kiosk };
}

void start();
