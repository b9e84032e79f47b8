/**
 * The small live health panel over the avatar: tracking FPS, per-stage latency, dropped frames,
 * camera and output states, refreshed from the status poller (about 1 Hz).
 */
import type { ServiceStatus } from '../api/http';
import { el } from './dom';
import { outputStateLabel } from './output-badge';
import type { StatusPoller } from './status-poller';

const STAGES: [keyof ServiceStatus['latency'], string][] = [
  ['preprocessMs', 'Prep'],
  ['detectMs', 'Detect'],
  ['meshMs', 'Mesh'],
  ['irisMs', 'Iris'],
  ['geometryMs', 'Pose'],
  ['filtersMs', 'Filter'],
];

const OUTPUT_NAMES: Record<string, string> = { vmc: 'VMC', openSeeFace: 'OpenSeeFace', vrchat: 'VRChat', serial: 'Serial', vtubeStudio: 'VTube Studio' };

const STATE_LABELS: Record<ServiceStatus['state'], string> = {
  starting: 'Starting',
  tracking: 'Tracking',
  'no-face': 'No face',
  'camera-retry': 'Camera retry',
  stopping: 'Stopping',
};

function ms(v: number): string {
  return Number.isFinite(v) ? (v < 10 ? v.toFixed(1) : v.toFixed(0)) : '–';
}

export function stateLabel(state: ServiceStatus['state']): string {
  return STATE_LABELS[state] ?? state;
}

export class HealthPanel {
  readonly element: HTMLElement;
  private readonly fps = el('span', { class: 'health-big', attrs: { 'data-health': 'fps' } });
  private readonly state = el('span', { class: 'chip', attrs: { 'data-health': 'state' } });
  private readonly total = el('span', { attrs: { 'data-health': 'total' } });
  private readonly stages = el('div', { class: 'health-stages' });
  private readonly dropped = el('span', { attrs: { 'data-health': 'dropped' } });
  private readonly camera = el('span', { class: 'health-camera', attrs: { 'data-health': 'camera' } });
  private readonly outputs = el('div', { class: 'health-outputs', attrs: { 'data-health': 'outputs' } });

  constructor(poller: StatusPoller) {
    this.element = el(
      'aside',
      { class: 'health', attrs: { 'aria-label': 'Tracking health', 'data-testid': 'health' } },
      el('div', { class: 'health-row' }, el('span', {}, this.fps, el('span', { class: 'health-unit', text: ' fps' })), this.state),
      el('div', { class: 'health-row small' }, el('span', { text: 'Latency ' }), this.total),
      this.stages,
      el('div', { class: 'health-row small' }, el('span', { text: 'Dropped' }), this.dropped),
      el('div', { class: 'health-row small' }, this.camera),
      this.outputs,
    );
    poller.subscribe((s, error) => this.update(s, error));
  }

  private update(s: ServiceStatus | null, error: string | null): void {
    if (!s) {
      this.fps.textContent = '–';
      this.state.textContent = 'Offline';
      this.state.className = 'chip chip-error';
      this.camera.textContent = error ? `Service: ${error}` : 'Waiting for the service…';
      return;
    }
    this.fps.textContent = s.fps.toFixed(1);
    this.state.textContent = stateLabel(s.state);
    this.state.className = `chip chip-${s.state}`;
    this.total.textContent = `${ms(s.latency.totalMs)} ms`;
    this.stages.replaceChildren(...STAGES.map(([key, label]) => el('span', { class: 'stage' }, el('b', { text: label }), el('span', { text: ms(s.latency[key]) }))));
    this.dropped.textContent = String(s.camera.droppedFrames);
    const size = s.camera.width && s.camera.height ? ` ${s.camera.width}×${s.camera.height}` : '';
    this.camera.textContent = `Camera ${s.camera.state}${size}${s.camera.detail ? `: ${s.camera.detail}` : ''}`;
    // Only the outputs that are switched on: the panel is small and "off" is the usual case.
    const on = Object.entries(s.outputs).filter(([, o]) => o.status !== 'off');
    this.outputs.replaceChildren(
      ...(on.length
        ? on.map(([name, o]) => el('span', { class: `badge badge-${o.status}`, attrs: { title: o.detail ?? '' } }, `${OUTPUT_NAMES[name] ?? name} · ${outputStateLabel(o)}`))
        : [el('span', { class: 'muted', text: 'No outputs on' })]),
    );
  }
}
