/** Settings › Avatar: which character (drawn in code, or imported from a PSD), its colours, the background; your imported avatars. */
import type { AppContext } from '../context';
import { el } from '../dom';
import type { PickerChoice } from '../input/picker';
import { SettingsForm } from '../forms/settings-form';
import { avatarPacksCard } from './avatar-packs-card';

export interface AvatarPageOptions {
  /** The avatars this UI can draw (id + name), offered when choosing. */
  avatars: PickerChoice<string>[];
}

export function avatarPage(ctx: AppContext, options: AvatarPageOptions): HTMLElement {
  const look = new SettingsForm(ctx, {
    id: 'avatar',
    title: 'Avatar',
    fields: [
      {
        path: 'avatar.choice',
        // The characters drawn in code, then the avatars imported from PSDs.
        suggestions: async () => [...options.avatars, ...(await ctx.api.avatars().catch(() => [])).map((p) => ({ value: p.choice, label: p.name, detail: 'imported' }))],
        choiceLabels: Object.fromEntries(options.avatars.map((a) => [a.value, a.label])),
      },
      { path: 'avatar.colours.primary' },
      { path: 'avatar.colours.accent' },
      { path: 'avatar.background', choiceLabels: { scene: 'Scene', green: 'Green screen', transparent: 'Transparent', colour: 'Colour' } },
      { path: 'avatar.backgroundColour' },
    ],
  });
  const display = new SettingsForm(ctx, {
    id: 'display',
    title: 'Display',
    fields: [{ path: 'display.avatarOnly' }, { path: 'display.previewEnabled' }, { path: 'display.previewFps' }, { path: 'display.brightness' }],
  });
  return el('div', { class: 'page', attrs: { 'data-page': 'avatar' } }, look.element, avatarPacksCard(ctx), display.element);
}
