/** Settings › Outputs: one card per protocol, each applied on its own, with its live state badge. */
import type { AppContext } from '../context';
import { el } from '../dom';
import type { FieldOptions } from '../forms/fields';
import { SettingsForm } from '../forms/settings-form';
import { outputBadge } from '../output-badge';

interface OutputCard {
  key: 'vmc' | 'openSeeFace' | 'serial' | 'vtubeStudio' | 'websocket';
  title: string;
  fields: string[];
}

const CARDS: OutputCard[] = [
  { key: 'vmc', title: 'VMC protocol', fields: ['enabled', 'host', 'port', 'bundled', 'rateHz'] },
  { key: 'openSeeFace', title: 'OpenSeeFace', fields: ['enabled', 'host', 'port'] },
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
    page.append(form.element);
  }
  return page;
}
