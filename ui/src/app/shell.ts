/**
 * The app's frame: a top bar (state, camera view, health, settings) over the main stage. The avatar
 * fills the stage; the health panel and the camera view float over it, so the avatar keeps rendering
 * while they are shown. Settings cover the stage and return to it with "Done".
 */
import type { ServiceStatus } from '../api/http';
import type { CameraPreview } from '../preview/camera-preview';
import type { AppContext } from './context';
import { button, el } from './dom';
import { HealthPanel, stateLabel } from './health-panel';
import type { SettingsView } from './settings-view';

const SETTINGS_REFRESH_MS = 5000;

export interface ShellParts {
  ctx: AppContext;
  /** The element the avatar renders into (fills the stage). */
  avatarHost: HTMLElement;
  preview: CameraPreview;
  /** Built on first open (its pages read the schema and settings). */
  settings: () => SettingsView;
}

/** How long the way back out of the full-screen avatar stays on screen after a tap. */
const AVATAR_ONLY_EXIT_SHOWN_MS = 5000;

export class Shell {
  readonly element: HTMLElement;
  private readonly stage: HTMLElement;
  private readonly health: HealthPanel;
  private readonly cameraButton: HTMLButtonElement;
  private readonly healthButton: HTMLButtonElement;
  private readonly settingsButton: HTMLButtonElement;
  private readonly chip = el('span', { class: 'chip', attrs: { 'data-testid': 'state-chip' } });
  private readonly previewDock: HTMLElement;
  private settingsView: SettingsView | null = null;
  private settingsOpen = false;
  private settingsRefresh: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly parts: ShellParts) {
    this.health = new HealthPanel(parts.ctx.status);
    this.cameraButton = button('Camera', () => this.toggleCamera(), 'btn toggle', { 'data-action': 'toggle-camera', 'aria-pressed': 'false' });
    this.healthButton = button('Health', () => this.toggleHealth(), 'btn toggle on', { 'data-action': 'toggle-health', 'aria-pressed': 'true' });
    this.settingsButton = button('Settings', () => this.toggleSettings(), 'btn primary', { 'data-action': 'toggle-settings' });
    const bar = el(
      'header',
      { class: 'topbar' },
      el('div', { class: 'brand' }, el('span', { class: 'brand-mark', text: 'vt' }), el('span', { class: 'brand-name', text: 'link' })),
      this.chip,
      el('div', { class: 'topbar-actions' }, this.cameraButton, this.healthButton, this.settingsButton),
    );
    this.previewDock = el('div', { class: 'preview-dock', attrs: { hidden: '' } }, parts.preview.element);
    parts.avatarHost.classList.add('avatar-host');
    this.stage = el('main', { class: 'stage' }, parts.avatarHost, this.health.element, this.previewDock);
    // Full-screen avatar (settings.display.avatarOnly, for HDMI capture): no UI; a tap shows the way back for a while.
    const exit = button('Show the controls', () => void this.leaveAvatarOnly(), 'btn primary avatar-only-exit', { 'data-action': 'exit-avatar-only', hidden: '' });
    this.stage.append(exit);
    this.stage.addEventListener('pointerdown', () => {
      if (!this.element.classList.contains('avatar-only') || !exit.hidden) return;
      exit.hidden = false;
      setTimeout(() => (exit.hidden = true), AVATAR_ONLY_EXIT_SHOWN_MS);
    });
    this.element = el('div', { class: 'app' }, bar, this.stage);
    parts.ctx.status.subscribe((s) => this.updateChip(s));
    parts.ctx.settings.subscribe((s) => {
      const only = s.display.avatarOnly;
      if (only && this.settingsOpen) this.toggleSettings(false);
      this.element.classList.toggle('avatar-only', only);
      if (!only) exit.hidden = true;
    });
  }

  private async leaveAvatarOnly(): Promise<void> {
    const result = await this.parts.ctx.api.patchSettings({ display: { avatarOnly: false } }).catch(() => null);
    if (result?.ok) this.parts.ctx.settings.set(result.settings);
    else this.parts.ctx.requestPairing();
  }

  private updateChip(s: ServiceStatus | null): void {
    this.chip.textContent = s ? `${stateLabel(s.state)} · ${s.fps.toFixed(0)} fps` : 'Offline';
    this.chip.className = `chip chip-${s ? s.state : 'error'}`;
  }

  toggleCamera(on = !this.parts.preview.isRunning): void {
    if (on) this.parts.preview.start();
    else this.parts.preview.stop();
    this.previewDock.hidden = !on;
    this.cameraButton.classList.toggle('on', on);
    this.cameraButton.setAttribute('aria-pressed', String(on));
  }

  toggleHealth(on = this.health.element.hidden): void {
    this.health.element.hidden = !on;
    this.healthButton.classList.toggle('on', on);
    this.healthButton.setAttribute('aria-pressed', String(on));
  }

  toggleSettings(open = !this.settingsOpen): void {
    this.settingsOpen = open;
    if (open && !this.settingsView) {
      this.settingsView = this.parts.settings();
      this.stage.append(this.settingsView.element);
    }
    if (this.settingsView) this.settingsView.element.hidden = !open;
    // While the pages are shown they follow the service (a change from another device shows up);
    // fields being edited keep the user's draft.
    if (this.settingsRefresh) clearInterval(this.settingsRefresh);
    this.settingsRefresh = null;
    if (open) {
      const refresh = () => void this.parts.ctx.api.settings().then((s) => this.parts.ctx.settings.set(s), () => undefined);
      refresh();
      this.settingsRefresh = setInterval(refresh, SETTINGS_REFRESH_MS);
    }
    this.settingsButton.textContent = open ? 'Done' : 'Settings';
    this.element.classList.toggle('settings-open', open);
  }
}
