/**
 * Settings › System › Software update: the running version and slot, how the last update ended
 * (once, until dismissed), a bundle from a USB stick or a file (the page is also used from a paired
 * PC's browser), its version and signature BEFORE anything is installed, "Install" only after a
 * confirm, the progress, and "restarting into version X". Everything comes from GET /api/update,
 * polled while the card is on screen.
 */
import { ApiError, type UpdateState } from '../../api/http';
import type { AppContext } from '../context';
import { button, el } from '../dom';
import { openConfirm } from '../input/confirm';

const POLL_MS = 1000;
/** While something runs, the bar moves more smoothly. */
const POLL_BUSY_MS = 400;

type Bundle = NonNullable<UpdateState['pending']> | NonNullable<UpdateState['usb'][number]['bundle']>;

function mb(bytes: number): string {
  return bytes < 1e6 ? `${Math.round(bytes / 1e3)} kB` : `${(bytes / 1e6).toFixed(bytes < 10e6 ? 1 : 0)} MB`;
}

/** "Version 0.3.0 · build 20260101 · 412 MB · signature verified (CN = vtlink release)". */
function describeBundle(b: Bundle): string {
  const parts = [`Version ${b.version}`];
  if (b.build) parts.push(`build ${b.build}`);
  parts.push(mb(b.sizeBytes));
  parts.push(`signature verified${b.signer ? ` (${b.signer})` : ''}`);
  return parts.join(' · ');
}

/** "This version rolled back here …" for a bundle of a version that did, else null. */
function rolledBackNote(s: UpdateState | null, version: string): string | null {
  const r = s?.rolledBack.find((v) => v.version === version);
  if (!r) return null;
  return `This version rolled back on this device on ${new Date(r.decidedAt).toLocaleString()}: slot ${r.toSlot ?? '?'} did not become healthy.`;
}

/** The note under an offer of a version that rolled back here: none, or one line. */
function rolledBackLine(s: UpdateState | null, version: string): HTMLElement[] {
  const note = rolledBackNote(s, version);
  return note ? [el('div', { class: 'error-text', text: note, attrs: { 'data-testid': 'rolled-back-before' } })] : [];
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function updateCard(ctx: AppContext): HTMLElement {
  const rows = el('dl', { class: 'info' });
  const result = el('div', { class: 'update-result', attrs: { 'data-testid': 'update-result', role: 'status' } });
  const resultText = el('span', { class: 'update-result-text' });
  const dismiss = button('Dismiss', () => void act(() => ctx.api.dismissUpdateResult()), 'btn small', { 'data-action': 'dismiss-update-result' });
  result.append(resultText, dismiss);
  const unavailable = el('p', { class: 'muted', attrs: { 'data-testid': 'update-unavailable' } });
  const opText = el('div', { class: 'update-op-text', attrs: { 'data-testid': 'update-operation' } });
  const bar = el('progress', { class: 'update-progress', attrs: { 'data-testid': 'update-progress', max: '100', value: '0' } });
  const op = el('div', { class: 'update-op' }, opText, bar);
  const offers = el('div', { class: 'update-offers' });
  const note = el('div', { class: 'form-status', attrs: { role: 'status', 'data-testid': 'update-status' } });
  const file = el('input', { attrs: { type: 'file', accept: '.raucb', hidden: '', 'data-testid': 'bundle-file' } });
  const choose = button('Upload a bundle file…', () => file.click(), 'btn', { 'data-action': 'choose-bundle' });
  const pair = button('Pair this browser', () => ctx.requestPairing(), 'btn', { 'data-action': 'pair-for-update', hidden: '' });

  let last: UpdateState | null = null;
  /** This browser's own upload: its progress comes from the browser (the service's poll lags). */
  let uploading: { sent: number; total: number; name: string } | null = null;
  let busy = false;

  const setNote = (text: string, kind: '' | 'ok' | 'error' = ''): void => {
    note.textContent = text;
    note.className = `form-status${kind ? ` ${kind}` : ''}`;
  };

  async function act(work: () => Promise<unknown>, done?: string): Promise<void> {
    busy = true;
    render();
    try {
      await work();
      if (done) setNote(done, 'ok');
    } catch (err) {
      setNote(errorText(err), 'error');
      if (err instanceof ApiError && err.status === 401) ctx.requestPairing();
    } finally {
      busy = false;
      await load();
    }
  }

  async function confirmInstall(bundle: Bundle, request: { bundle: 'upload' } | { bundle: 'usb'; id: string }): Promise<void> {
    const running = last?.running;
    const before = rolledBackNote(last, bundle.version);
    const yes = await openConfirm({
      title: 'Install update?',
      message:
        (before ? `${before} ` : '') +
        `Install version ${bundle.version} (signature verified${bundle.signer ? ` by ${bundle.signer}` : ''}) in place of ${running?.version ?? 'the running version'}? ` +
        'The device restarts into it when done; tracking stops for a minute or two. If the new version does not start properly, the device goes back to this one.',
      confirmLabel: 'Install',
    });
    if (!yes) return;
    setNote('');
    await act(() => ctx.api.installUpdate({ ...request, version: bundle.version }));
  }

  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    file.value = '';
    if (!chosen) return;
    uploading = { sent: 0, total: chosen.size, name: chosen.name };
    setNote('');
    void act(
      () =>
        ctx.api
          .uploadBundle(chosen, chosen.name, (sent, total) => {
            uploading = { sent, total, name: chosen.name };
            render();
          })
          .finally(() => {
            uploading = null;
          }),
      'Bundle checked: look at its version, then Install.',
    );
  });

  function renderOperation(s: UpdateState | null): void {
    const o = s?.operation;
    let text = '';
    let percent: number | null = null;
    if (uploading) {
      text = `Uploading ${uploading.name}: ${mb(uploading.sent)} of ${mb(uploading.total)}`;
      percent = uploading.total > 0 ? (100 * uploading.sent) / uploading.total : 0;
      if (uploading.sent >= uploading.total) text = `Checking ${uploading.name}…`;
    } else if (o?.kind === 'uploading') {
      text = `Receiving a bundle: ${mb(o.receivedBytes)} of ${mb(o.totalBytes)}`;
      percent = (100 * o.receivedBytes) / o.totalBytes;
    } else if (o?.kind === 'checking') {
      text = `Checking ${o.what}…`;
    } else if (o?.kind === 'installing') {
      text = `Installing version ${o.version}: ${o.percent}% · ${o.message}`;
      percent = o.percent;
    } else if (o?.kind === 'rebooting') {
      text = `Restarting into version ${o.version}…`;
      percent = 100;
    } else if (o?.kind === 'reboot-needed') {
      text = o.reason;
    }
    opText.textContent = text;
    op.hidden = text === '';
    bar.hidden = percent === null;
    if (percent !== null) bar.value = Math.max(0, Math.min(100, percent));
    op.dataset.kind = uploading ? 'uploading' : (o?.kind ?? 'idle');
  }

  // What the offers were last drawn from: a poll that brings nothing new keeps the same buttons, so a
  // finger on "Install" never lands on one that was just replaced.
  let offersDrawnFrom = '';
  function renderOffers(s: UpdateState | null): void {
    const idle = !busy && !uploading && (s?.operation.kind === 'idle' || s?.operation.kind === 'reboot-needed');
    const drawnFrom = JSON.stringify([idle, s?.pending ?? null, s?.usb ?? [], s?.rolledBack ?? []]);
    if (drawnFrom === offersDrawnFrom) return;
    offersDrawnFrom = drawnFrom;
    const items: HTMLElement[] = [];
    if (s?.pending) {
      const p = s.pending;
      items.push(
        el(
          'div',
          { class: 'update-offer', attrs: { 'data-testid': 'update-pending' } },
          el('div', { class: 'update-offer-text' }, el('strong', { text: p.name ?? 'Uploaded bundle' }), el('div', { class: 'muted', text: describeBundle(p), attrs: { 'data-testid': 'pending-details' } }), ...rolledBackLine(s, p.version)),
          el(
            'div',
            { class: 'card-actions' },
            Object.assign(button('Discard', () => void act(() => ctx.api.discardBundle(), 'Bundle discarded.'), 'btn', { 'data-action': 'discard-bundle' }), { disabled: !idle }),
            Object.assign(button('Install', () => void confirmInstall(p, { bundle: 'upload' }), 'btn primary', { 'data-action': 'install-upload' }), { disabled: !idle }),
          ),
        ),
      );
    }
    for (const o of s?.usb ?? []) {
      const detail =
        o.state === 'checking' ? 'checking the signature…' : o.state === 'ready' && o.bundle ? describeBundle(o.bundle) : `Refused: ${o.problem?.message ?? 'not installable'}`;
      const install = button('Install', () => o.bundle && void confirmInstall(o.bundle, { bundle: 'usb', id: o.id }), 'btn primary', { 'data-action': 'install-usb' });
      install.disabled = !idle || o.state !== 'ready';
      items.push(
        el(
          'div',
          { class: `update-offer${o.state === 'refused' ? ' refused' : ''}`, attrs: { 'data-usb': o.id } },
          el('div', { class: 'update-offer-text' }, el('strong', { text: `USB stick: ${o.file}` }), el('div', { class: o.state === 'refused' ? 'error-text' : 'muted', text: detail }), ...(o.bundle ? rolledBackLine(s, o.bundle.version) : [])),
          el('div', { class: 'card-actions' }, install),
        ),
      );
    }
    offers.replaceChildren(...items);
  }

  function render(): void {
    const s = last;
    const running = s?.running;
    const health = s?.health;
    const healthText = !health
      ? '–'
      : health.state === 'marked-good'
        ? 'marked good'
        : health.state === 'waiting'
          ? `marked good after ${health.requiredS} s of health (${Math.floor(health.healthyForS)} s so far)`
          : health.state === 'failed'
            ? `not marked good: ${health.message ?? ''}`
            : 'not applicable';
    const row = (k: string, v: string, id: string) => [el('dt', { text: k }), el('dd', { text: v, attrs: { 'data-info': id } })];
    rows.replaceChildren(
      ...row('Running version', running ? `${running.version}${running.build ? ` (build ${running.build})` : ''}` : '–', 'running-version'),
      ...row('Slot', running?.slot ? `${running.slot}${running.slotName ? ` (${running.slotName})` : ''}, ${healthText}` : 'not reported', 'running-slot'),
    );
    const r = s?.lastResult;
    result.hidden = !r;
    if (r) {
      resultText.textContent = r.outcome === 'updated' ? `Updated to version ${r.version}.` : `Update to version ${r.version} rolled back: slot ${r.toSlot ?? '?'} did not become healthy; running slot ${r.fromSlot ?? '?'} again.`;
      result.className = `update-result ${r.outcome === 'updated' ? 'ok' : 'error'}`;
      result.dataset.outcome = r.outcome;
    }
    unavailable.hidden = !needsPairing && (!s || s.available);
    unavailable.textContent = needsPairing ? 'Pair this browser with the device to see and install updates.' : s && !s.available ? `Updates are not available here: ${s.reason ?? ''}` : '';
    pair.hidden = !needsPairing;
    renderOperation(s);
    renderOffers(s);
    const idle = !busy && !uploading && (s?.operation.kind === 'idle' || s?.operation.kind === 'reboot-needed');
    choose.disabled = !s?.available || !idle || s.pending !== null;
    choose.hidden = !s;
    if (s?.lastError && !note.textContent) setNote(s.lastError.message, 'error');
  }

  let loading = false;
  let needsPairing = false;
  async function load(): Promise<void> {
    if (loading) return;
    loading = true;
    try {
      last = await ctx.api.update();
      needsPairing = false;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        last = null;
        needsPairing = true;
      } else if (last?.operation.kind === 'rebooting') {
        // The service is going down for the restart: say so, and keep polling until it is back.
        opText.textContent = `Restarting into version ${last.operation.version}… this page reconnects when the device is back.`;
        return;
      }
    } finally {
      loading = false;
    }
    render();
  }

  const card = el(
    'section',
    { class: 'card', attrs: { 'data-form': 'update' } },
    el('header', { class: 'card-head' }, el('h2', { text: 'Software update' })),
    rows,
    result,
    unavailable,
    op,
    offers,
    el('div', { class: 'card-foot' }, note, el('div', { class: 'card-actions' }, pair, choose)),
    file,
  );

  // The page is built once and kept (settings-view.ts): poll only while the card is on screen.
  const tick = (): void => {
    if (card.isConnected && !document.hidden) void load();
    const running = uploading !== null || (last !== null && last.operation.kind !== 'idle' && last.operation.kind !== 'reboot-needed');
    setTimeout(tick, running ? POLL_BUSY_MS : POLL_MS);
  };
  render();
  tick();
  return card;
}
