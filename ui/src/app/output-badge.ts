/** The live "sending / no listener / error" state of one output, from GET /api/status. */
import type { OutputState, ServiceStatus } from '../api/http';
import { el } from './dom';

const LABELS: Record<OutputState['status'], string> = {
  off: 'Off',
  sending: 'Sending',
  'no-listener': 'No listener',
  error: 'Error',
};

/** Status keys are output names ("openseeface"), settings keys are camelCase ("openSeeFace"). */
export function outputKey(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function findOutput(status: ServiceStatus | null, settingsKey: string): OutputState | null {
  if (!status) return null;
  const want = outputKey(settingsKey);
  for (const [name, state] of Object.entries(status.outputs)) if (outputKey(name) === want) return state;
  return null;
}

/**
 * The WebSocket stream is not one of status.outputs; its state is its client count (status.api.stream),
 * when it is switched on.
 */
function streamState(status: ServiceStatus | null, enabled: boolean): OutputState | null {
  const clients = (status as { api?: { stream?: { clients?: unknown } } } | null)?.api?.stream?.clients;
  if (!status || typeof clients !== 'number') return null;
  if (!enabled) return { status: 'off', framesSent: 0, errors: 0 };
  return { status: clients > 0 ? 'sending' : 'no-listener', detail: `${clients} client${clients === 1 ? '' : 's'}`, framesSent: 0, errors: 0 };
}

export function outputBadge(settingsKey: string, enabled: () => boolean = () => true): { element: HTMLElement; update(status: ServiceStatus | null): void } {
  const element = el('span', { class: 'badge', attrs: { 'data-badge': settingsKey, role: 'status' } });
  const update = (status: ServiceStatus | null) => {
    const state = findOutput(status, settingsKey) ?? (settingsKey === 'websocket' ? streamState(status, enabled()) : null);
    const kind = state?.status ?? 'unknown';
    element.className = `badge badge-${kind}`;
    element.textContent = state ? LABELS[state.status] : status ? 'Off' : '…';
    element.title = state?.detail ?? '';
    element.dataset.state = kind;
  };
  update(null);
  return { element, update };
}

export function outputStateLabel(state: Pick<OutputState, 'status'>): string {
  return LABELS[state.status];
}
