/**
 * Puts the avatar (ui/src/avatar, the Pixi renderer) into the stage, feeds it the tracking stream
 * (detail=none: pose, eyes, mouth, brows; no points) and keeps it in step with the settings
 * (choice, colours, background) as they change.
 */
import { openTrackingStream, type StreamState } from '../api/stream';
import { AVATARS, avatarSampleFromFrame, createAvatar, neutralSample, type AvatarBackground, type AvatarHandle } from '../avatar';
import type { PickerChoice } from './input/picker';
import type { SettingsState } from './settings-state';

export interface MountedAvatar {
  handle: AvatarHandle;
  /** The avatars to choose from in Settings › Avatar. */
  choices: PickerChoice<string>[];
  streamState(): StreamState;
  /** Frames drawn since the last resetFrameStats (to check it keeps rendering). */
  framesRendered(): number;
}

/** The avatars this UI can draw, for Settings › Avatar. */
export function avatarChoices(): PickerChoice<string>[] {
  return AVATARS.map((a) => ({ value: a.id, label: a.name }));
}

export async function mountAvatar(host: HTMLElement, settings: SettingsState): Promise<MountedAvatar> {
  const initial = settings.current?.avatar;
  const handle = await createAvatar(host, {
    avatarId: initial?.choice,
    theme: initial?.colours,
    background: initial?.background ?? 'scene',
    backgroundColour: initial?.backgroundColour,
  });
  let look = JSON.stringify(initial ?? null);
  settings.subscribe((s) => {
    const next = JSON.stringify(s.avatar);
    if (next === look) return;
    look = next;
    handle.setAvatar(s.avatar.choice, s.avatar.colours);
    handle.setBackground(s.avatar.background as AvatarBackground, s.avatar.backgroundColour);
  });
  const sample = neutralSample();
  let state: StreamState = 'connecting';
  openTrackingStream({
    detail: 'none',
    onFrame: (frame) => handle.update(avatarSampleFromFrame(frame, sample), frame.timeMs),
    onState: (s) => (state = s),
  });
  return {
    handle,
    choices: avatarChoices(),
    streamState: () => state,
    framesRendered: () => handle.frameStats().frames,
  };
}
