/**
 * Settings › Outputs: the box's own name and address on top (what the apps on the PC and the PC's
 * browser reach it at), then one card per protocol, each applied on its own, with its live state
 * badge. The network outputs edit their list of targets (forms/target-list.ts); VTube Studio lists
 * the instances heard on the network for a one-tap "Use" (vts-heard.ts); the others say that their
 * apps do not announce themselves. Under each, "How to connect <app>" (guides.ts) with the box's
 * address filled in.
 */
import type { ServiceStatus } from '../../api/http';
import { boxAddress, boxLabel, subnetPrefix, type BoxAddress } from '../box-address';
import type { AppContext } from '../context';
import { el } from '../dom';
import type { FieldOptions } from '../forms/fields';
import { SettingsForm } from '../forms/settings-form';
import { TargetListField } from '../forms/target-list';
import { fillGuide, guidesFor, NO_DISCOVERY, type AppGuide, type GuideOutput } from '../guides';
import { findOutput, outputBadge } from '../output-badge';
import { vtsHeard } from './vts-heard';

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

const isGuideOutput = (key: OutputCard['key']): key is GuideOutput => key === 'vmc' || key === 'openSeeFace' || key === 'vrchat' || key === 'vtubeStudio';

/** The box's name and address, large: the first thing a streamer setting up an app needs. */
function boxCard(ctx: AppContext): HTMLElement {
  const name = el('div', { class: 'box-name', attrs: { 'data-testid': 'box-name' } });
  const how = el('div', { class: 'muted', attrs: { 'data-testid': 'box-url' } });
  ctx.status.subscribe((s) => {
    const box = boxAddress(s);
    name.textContent = [box.name, box.address].filter(Boolean).join(' — ') || '…';
    how.textContent = `To set it up from your PC, open ${box.url} there and pair with the PIN on the System page.`;
  });
  return el('section', { class: 'card box-card', attrs: { 'data-form': 'box-address' } }, el('div', { class: 'field-label', text: 'This box on your network' }), name, how);
}

/** "How to connect <app>": the steps, what working looks like, what to check; refilled when the box's address changes. */
function guideDetails(guide: AppGuide, ctx: AppContext): HTMLElement {
  const body = el('div', { class: 'guide-body' });
  let shown = '';
  const render = (box: BoxAddress) => {
    const fill = { label: boxLabel(box), url: box.url };
    const key = JSON.stringify(fill);
    if (key === shown) return;
    shown = key;
    body.replaceChildren(
      el('ol', {}, ...guide.steps.map((step) => el('li', { text: fillGuide(step, fill) }))),
      el('p', {}, el('strong', { text: 'When it works: ' }), fillGuide(guide.works, fill)),
      el('ul', { class: 'guide-trouble' }, ...guide.trouble.map((t) => el('li', { text: fillGuide(t, fill) }))),
    );
  };
  render(boxAddress(null));
  ctx.status.subscribe((s: ServiceStatus | null) => render(boxAddress(s)));
  return el('details', { class: 'guide', attrs: { 'data-guide': guide.id } }, el('summary', { text: `How to connect ${guide.app} (port ${guide.port})` }), body);
}

export function outputsPage(ctx: AppContext): HTMLElement {
  const page = el('div', { class: 'page', attrs: { 'data-page': 'outputs' } }, boxCard(ctx));
  for (const card of CARDS) {
    const badge = outputBadge(card.key, () => ctx.settings.current?.outputs[card.key].enabled ?? false);
    ctx.status.subscribe((s) => badge.update(s));
    const fields: FieldOptions[] = card.fields.map((name) => ({
      path: `outputs.${card.key}.${name}`,
      ...(name === 'enabled' ? { label: 'Enabled' } : {}),
      ...(name === 'rateHz' ? { label: 'Rate' } : {}),
      ...(name === 'format' ? { choiceLabels: { binary: 'Binary', jsonl: 'JSON lines' } } : {}),
    }));
    const extra: HTMLElement[] = [];
    const note = isGuideOutput(card.key) ? NO_DISCOVERY[card.key] : undefined;
    if (note) extra.push(el('div', { class: 'discovery-note', text: note, attrs: { 'data-no-discovery': card.key } }));
    if (card.key === 'vtubeStudio') extra.push(vtsHeard(ctx));
    const form = new SettingsForm(ctx, { id: card.key, title: card.title, fields, badge: badge.element, extra });
    // The guides go under the card's Apply: reading them is not part of the change.
    if (isGuideOutput(card.key)) form.element.append(...guidesFor(card.key).map((g) => guideDetails(g, ctx)));
    const targets = form.fields.get(`outputs.${card.key}.targets`);
    if (targets instanceof TargetListField) {
      ctx.status.subscribe((s) => {
        targets.setTargetStates(findOutput(s, card.key)?.targets);
        const box = boxAddress(s);
        targets.setHostStart(subnetPrefix(box), box.address ?? '');
      });
    }
    page.append(form.element);
  }
  return page;
}
