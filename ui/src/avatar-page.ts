/**
 * The standalone avatar page (/avatar.html), full window, for OBS browser sources and the kiosk:
 *   ?background=scene|green|transparent|colour  ?colour=%23rrggbb  ?avatar=<id> or psd:<pack id>  ?primary=%23rrggbb&accent=%23rrggbb
 *   ?renderer=auto|webgl|canvas  ?stream=0 (no tracking stream: samples come from the test hook)
 * Settings the URL leaves out come from the service's /api/settings (avatar section) when it answers.
 * window.__vtlinkAvatar exposes the avatar handle (tests, debugging from the console).
 */
import { openTrackingStream, type StreamState } from './api/stream';
import { avatarSampleFromFrame, createAvatar, neutralSample, type AvatarBackground, type AvatarHandle, type RendererChoice } from './avatar';

declare global {
  interface Window {
    __vtlinkAvatar?: AvatarHandle & { streamState: StreamState | 'off' };
  }
}

const BACKGROUNDS: readonly AvatarBackground[] = ['scene', 'green', 'transparent', 'colour'];
const RENDERERS: readonly RendererChoice[] = ['auto', 'webgl', 'canvas'];

function pick<T extends string>(value: string | null, allowed: readonly T[]): T | undefined {
  return allowed.find((a) => a === value);
}

interface AvatarSettings {
  choice?: string;
  colours?: { primary?: string; accent?: string };
  background?: string;
  backgroundColour?: string;
}

async function settingsFromService(): Promise<AvatarSettings> {
  try {
    const res = await fetch('/api/settings', { headers: { accept: 'application/json' } });
    if (!res.ok) return {};
    const body: unknown = await res.json();
    const avatar = typeof body === 'object' && body !== null ? (body as { avatar?: unknown }).avatar : undefined;
    return typeof avatar === 'object' && avatar !== null ? (avatar as AvatarSettings) : {};
  } catch {
    return {};
  }
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const useStream = params.get('stream') !== '0';
  // Read even without the stream: the chosen avatar (a pack, too) and background come from there.
  const saved = await settingsFromService();
  const host = document.getElementById('avatar') as HTMLElement;
  const avatar = await createAvatar(host, {
    avatarId: params.get('avatar') ?? saved.choice,
    theme: {
      primary: params.get('primary') ?? saved.colours?.primary,
      accent: params.get('accent') ?? saved.colours?.accent,
    },
    background: pick(params.get('background'), BACKGROUNDS) ?? pick(saved.background ?? null, BACKGROUNDS) ?? 'scene',
    backgroundColour: params.get('colour') ?? saved.backgroundColour,
    renderer: pick(params.get('renderer'), RENDERERS) ?? 'auto',
    antialias: params.get('antialias') !== '0',
  });
  const hook = Object.assign(avatar, { streamState: 'off' as StreamState | 'off' });
  window.__vtlinkAvatar = hook;
  if (!useStream) return;
  const sample = neutralSample();
  openTrackingStream({
    detail: 'pose',
    onFrame(frame) {
      avatar.update(avatarSampleFromFrame(frame, sample), frame.timeMs);
    },
    onState(state) {
      hook.streamState = state;
    },
  });
}

void main();
