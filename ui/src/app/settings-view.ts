/**
 * The settings screen: a rail of page tabs (Camera, Tracking, Outputs, Avatar, System) and the page.
 * Pages are built once and kept, so an edit in progress survives switching tabs.
 */
import type { AppContext } from './context';
import { button, el } from './dom';
import type { PickerChoice } from './input/picker';
import { avatarPage } from './pages/avatar';
import { cameraPage } from './pages/camera';
import { outputsPage } from './pages/outputs';
import { systemPage } from './pages/system';
import { trackingPage } from './pages/tracking';

export type SettingsPageId = 'camera' | 'tracking' | 'outputs' | 'avatar' | 'system';

const PAGES: { id: SettingsPageId; label: string }[] = [
  { id: 'camera', label: 'Camera' },
  { id: 'tracking', label: 'Tracking' },
  { id: 'outputs', label: 'Outputs' },
  { id: 'avatar', label: 'Avatar' },
  { id: 'system', label: 'System' },
];

export class SettingsView {
  readonly element: HTMLElement;
  private readonly content: HTMLElement;
  private readonly tabs = new Map<SettingsPageId, HTMLButtonElement>();
  private readonly built = new Map<SettingsPageId, HTMLElement>();

  constructor(
    private readonly ctx: AppContext,
    private readonly avatars: PickerChoice<string>[],
  ) {
    const rail = el('nav', { class: 'rail', attrs: { 'aria-label': 'Settings pages' } });
    for (const p of PAGES) {
      const tab = button(p.label, () => this.show(p.id), 'rail-tab', { 'data-tab': p.id, role: 'tab' });
      this.tabs.set(p.id, tab);
      rail.append(tab);
    }
    this.content = el('div', { class: 'settings-content' });
    this.element = el('div', { class: 'settings', attrs: { 'data-testid': 'settings' } }, rail, this.content);
    this.show('camera');
  }

  show(id: SettingsPageId): void {
    for (const [tabId, tab] of this.tabs) {
      tab.classList.toggle('selected', tabId === id);
      tab.setAttribute('aria-selected', String(tabId === id));
    }
    let page = this.built.get(id);
    if (!page) {
      page = this.build(id);
      this.built.set(id, page);
    }
    this.content.replaceChildren(page);
    this.content.scrollTop = 0;
  }

  private build(id: SettingsPageId): HTMLElement {
    switch (id) {
      case 'camera':
        return cameraPage(this.ctx);
      case 'tracking':
        return trackingPage(this.ctx);
      case 'outputs':
        return outputsPage(this.ctx);
      case 'avatar':
        return avatarPage(this.ctx, { avatars: this.avatars });
      case 'system':
        return systemPage(this.ctx);
    }
  }
}
