/**
 * Puts the avatar (ui/src/avatar, the Pixi renderer) into the stage and keeps it in step with the
 * settings (choice, colours, background).
 */
import type { ApiClient } from '../api/http';
import { AVATARS } from '../avatar/characters';
import type { PickerChoice } from './input/picker';
import type { SettingsState } from './settings-state';

export interface MountedAvatar {
  /** The avatars to choose from in Settings › Avatar. */
  choices: PickerChoice<string>[];
  /** Frames the avatar has drawn (to check it keeps rendering). */
  framesRendered(): number;
}

export async function mountAvatar(host: HTMLElement, deps: { api: ApiClient; settings: SettingsState }): Promise<MountedAvatar> {
  void deps;
  void host;
  const choices = AVATARS.map((a) => ({ value: a.id, label: a.name }));
  return { choices, framesRendered: () => 0 };
}
