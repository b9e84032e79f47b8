/**
 * Settings › System: addresses to reach the box, the pairing PIN (on the kiosk only), version and
 * health, restart tracking, software updates (update-card.ts), the service's log, and the network settings.
 */
import { ApiError, type ServiceStatus } from '../../api/http';
import type { AppContext } from '../context';
import { button, el } from '../dom';
import { boxAddress } from '../box-address';
import { SettingsForm } from '../forms/settings-form';
import { stateLabel } from '../health-panel';
import { updateCard } from './update-card';

/** Addresses, if the service reports them (status.network.addresses); the service may not yet. */
function addressesOf(status: ServiceStatus | null): string[] | null {
  const network = (status as { network?: { addresses?: unknown } } | null)?.network;
  return Array.isArray(network?.addresses) ? network.addresses.map(String) : null;
}

function uptime(s: number): string {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min` : `${Math.floor(s)} s`;
}

/** The kiosk screen's browser, from its heartbeats (status.kiosk; absent from an older service). */
function kioskLabel(kiosk: ServiceStatus['kiosk'] | undefined): string {
  if (!kiosk) return '–';
  const text = {
    none: 'not reporting',
    alive: kiosk.fps === null ? 'drawing' : `drawing, ${Math.round(kiosk.fps)} fps`,
    stale: 'frozen',
    restarting: 'restarting',
  }[kiosk.state];
  return kiosk.restartsRequested > 0 ? `${text} (restarted ${kiosk.restartsRequested}×)` : text;
}

function infoCard(ctx: AppContext): HTMLElement {
  const rows = el('dl', { class: 'info' });
  const row = (k: string, v: string, id: string) => [el('dt', { text: k }), el('dd', { text: v, attrs: { 'data-info': id } })];
  ctx.status.subscribe((s) => {
    const addresses = addressesOf(s);
    rows.replaceChildren(
      ...row('Version', s?.version ?? '–', 'version'),
      ...row('State', s ? stateLabel(s.state) : 'Offline', 'state'),
      ...row('Uptime', s ? uptime(s.uptimeS) : '–', 'uptime'),
      ...row('Name on the network', s ? (boxAddress(s).name ?? '–') : '–', 'box-name'),
      ...row('This screen uses', location.host, 'origin'),
      ...row('Addresses', addresses ? addresses.join(', ') || 'none' : 'not reported by the service', 'addresses'),
      ...row('Kiosk screen', kioskLabel(s?.kiosk), 'kiosk'),
      ...row('Settings file', s ? `${s.settingsHealth.status}${s.settingsHealth.status === 'ok' ? '' : `: ${s.settingsHealth.detail}`}` : '–', 'settings-health'),
    );
  });
  const note = el('div', { class: 'form-status', attrs: { role: 'status' } });
  const restart = button('Restart tracking', () => {
    restart.disabled = true;
    ctx.api.restartTracking().then(
      () => {
        note.textContent = 'Tracking restarted: the face is detected afresh.';
        note.className = 'form-status ok';
      },
      (err: unknown) => {
        note.textContent = `Could not restart: ${err instanceof Error ? err.message : String(err)}`;
        note.className = 'form-status error';
        if (err instanceof ApiError && err.status === 401) ctx.requestPairing();
      },
    ).finally(() => {
      restart.disabled = false;
    });
  }, 'btn', { 'data-action': 'restart-tracking' });
  return el(
    'section',
    { class: 'card', attrs: { 'data-form': 'system-info' } },
    el('header', { class: 'card-head' }, el('h2', { text: 'System' })),
    rows,
    el('div', { class: 'card-actions' }, restart),
    note,
  );
}

function pairingCard(ctx: AppContext): HTMLElement {
  const pin = el('div', { class: 'pin', attrs: { 'data-testid': 'pin' } });
  const note = el('div', { class: 'muted' });
  const load = () => {
    ctx.api.pairingPin().then(
      (p) => {
        pin.textContent = p.replace(/^(\d{3})(\d{3})$/, '$1 $2');
        note.textContent = 'Enter this PIN on another device to let it change settings. It changes after each use.';
      },
      (err: unknown) => {
        pin.textContent = '––– –––';
        note.textContent =
          err instanceof ApiError && err.status === 403 ? 'The PIN is shown only on the device’s own screen.' : `PIN unavailable: ${err instanceof Error ? err.message : String(err)}`;
      },
    );
  };
  load();
  return el(
    'section',
    { class: 'card', attrs: { 'data-form': 'pairing' } },
    el('header', { class: 'card-head' }, el('h2', { text: 'Pairing' }), button('Refresh', load, 'btn small', { 'data-action': 'refresh-pin' })),
    pin,
    note,
  );
}

function logsCard(ctx: AppContext): HTMLElement {
  const out = el('pre', { class: 'logs', attrs: { 'data-testid': 'logs' } });
  const load = () => {
    out.textContent = 'Loading…';
    ctx.api.logs().then(
      (lines) => {
        out.textContent = lines.slice(-200).join('\n') || 'The log is empty.';
        out.scrollTop = out.scrollHeight;
      },
      (err: unknown) => {
        out.textContent = err instanceof ApiError && err.status === 404 ? 'This service does not offer its log over the API (see journalctl -u vtlink).' : `Log unavailable: ${err instanceof Error ? err.message : String(err)}`;
      },
    );
  };
  return el(
    'section',
    { class: 'card', attrs: { 'data-form': 'logs' } },
    el('header', { class: 'card-head' }, el('h2', { text: 'Log' }), button('Show', load, 'btn small', { 'data-action': 'load-logs' })),
    out,
  );
}

export function systemPage(ctx: AppContext): HTMLElement {
  const network = new SettingsForm(ctx, {
    id: 'network',
    title: 'Network',
    fields: [{ path: 'network.allowRemoteChanges' }, { path: 'network.readOnlyStream' }, { path: 'network.port' }, { path: 'network.bind' }],
  });
  return el('div', { class: 'page', attrs: { 'data-page': 'system' } }, infoCard(ctx), updateCard(ctx), pairingCard(ctx), network.element, logsCard(ctx));
}
