/** Settings › Camera: source (from the service's device list, or typed), resolution, frame rate, mirror. */
import type { DeviceInfo } from '../../api/http';
import type { AppContext } from '../context';
import { button, el } from '../dom';
import { SettingsForm } from '../forms/settings-form';
import type { PickerChoice } from '../input/picker';

const COMMON_SIZES: [number, number][] = [
  [320, 240],
  [640, 480],
  [1280, 720],
  [1920, 1080],
];

function deviceChoices(devices: DeviceInfo[]): PickerChoice<string>[] {
  const choices: PickerChoice<string>[] = [{ value: 'demo', label: 'Demo face', detail: 'The built-in animated face (no camera needed)' }];
  for (const d of devices) {
    if (d.source === 'demo') continue;
    const best = d.formats[0];
    choices.push({ value: d.source, label: d.name || d.source, detail: best ? `${d.source} · ${best.format} ${best.width}×${best.height}` : d.source });
  }
  return choices;
}

export function cameraPage(ctx: AppContext): HTMLElement {
  let devices: DeviceInfo[] = [];
  const sizes = el('div', { class: 'preset-row' });
  const form = new SettingsForm(ctx, {
    id: 'camera',
    title: 'Camera',
    fields: [
      {
        path: 'camera.source',
        suggestions: async () => {
          devices = await ctx.api.devices();
          renderSizes();
          return deviceChoices(devices);
        },
      },
      { path: 'camera.width' },
      { path: 'camera.height' },
      { path: 'camera.fps' },
      { path: 'camera.format', choiceLabels: { auto: 'Auto', yuyv: 'YUYV', nv12: 'NV12', mjpeg: 'MJPEG' } },
      { path: 'camera.mirror' },
    ],
    extra: [el('div', { class: 'field' }, el('div', { class: 'field-head' }, el('span', { class: 'field-label', text: 'Resolution presets' })), sizes)],
  });

  // Presets set width and height together; the sizes the chosen camera offers come first.
  function renderSizes(): void {
    const source = form.field('camera.source').value;
    const offered = devices.find((d) => d.source === source)?.formats.map((f) => [f.width, f.height] as [number, number]) ?? [];
    const seen = new Set<string>();
    const list = [...offered, ...COMMON_SIZES].filter(([w, h]) => {
      const key = `${w}x${h}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    sizes.replaceChildren(
      ...list.slice(0, 6).map(([w, h]) =>
        button(`${w}×${h}`, () => {
          form.field('camera.width').edit(w);
          form.field('camera.height').edit(h);
        }, 'btn preset', { 'data-size': `${w}x${h}` }),
      ),
    );
  }
  renderSizes();
  void ctx.api.devices().then((d) => {
    devices = d;
    renderSizes();
  }, () => undefined);
  return el('div', { class: 'page', attrs: { 'data-page': 'camera' } }, form.element);
}
