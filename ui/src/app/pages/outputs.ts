/**
 * Settings › Outputs: one card per protocol, each applied on its own, with its live state badge; the
 * network outputs edit their list of targets (forms/target-list.ts).
 */
import type { AppContext } from '../context';
import { el } from '../dom';
import type { FieldOptions } from '../forms/fields';
import { SettingsForm } from '../forms/settings-form';
import { TargetListField } from '../forms/target-list';
import { findOutput, outputBadge } from '../output-badge';

interface OutputCard {
  key: 'vmc' | 'openSeeFace' | 'vrchat' | 'serial' | 'vtubeStudio' | 'websocket';
  title: string;
  fields: string[];
}

const CARDS: OutputCard[] = [
  { key: 'vmc', title: 'VMC protocol', fields: ['enabled', 'targets', 'bundled', 'rateHz'] },
  { key: 'openSeeFace', title: 'OpenSeeFace', fields: ['enabled', 'targets'] },
  { key: 'vrchat', title: 'VRChat OSC', fields: ['enabled', 'targets', 'rateHz', 'binaryBits'] },
  { key: 'serial', title: 'Serial line', fields: ['enabled', 'path', 'baud', 'format', 'rateHz'] },
  { key: 'vtubeStudio', title: 'VTube Studio', fields: ['enabled', 'url', 'rateHz'] },
  { key: 'websocket', title: 'Tracking stream', fields: ['enabled', 'maxRateHz'] },
];

export function outputsPage(ctx: AppContext): HTMLElement {
  const page = el('div', { class: 'page', attrs: { 'data-page': 'outputs' } });
  for (const card of CARDS) {
    const badge = outputBadge(card.key, () => ctx.settings.current?.outputs[card.key].enabled ?? false);
    ctx.status.subscribe((s) => badge.update(s));
    const fields: FieldOptions[] = card.fields.map((name) => ({
      path: `outputs.${card.key}.${name}`,
      ...(name === 'enabled' ? { label: 'Enabled' } : {}),
      ...(name === 'rateHz' ? { label: 'Rate' } : {}),
      ...(name === 'format' ? { choiceLabels: { binary: 'Binary', jsonl: 'JSON lines' } } : {}),
    }));
    const form = new SettingsForm(ctx, { id: card.key, title: card.title, fields, badge: badge.element });
    const targets = form.fields.get(`outputs.${card.key}.targets`);
    if (targets instanceof TargetListField) ctx.status.subscribe((s) => targets.setTargetStates(findOutput(s, card.key)?.targets));
    page.append(form.element);
  }
  return page;
}
