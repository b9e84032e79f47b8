/**
 * Settings › Outputs › VTube Studio: the VTube Studios heard on the network (GET /api/receivers, every
 * 2 s while the page is shown), each with "Use": one tap sets outputs.vtubeStudio.url to its
 * ws://address:port and switches the output on, through the normal settings PATCH.
 */
import { ApiError, type ReceiversInfo } from '../../api/http';
import type { AppContext } from '../context';
import { button, el } from '../dom';

const POLL_MS = 2000;

type Instance = ReceiversInfo['vtubeStudio']['instances'][number];

const urlOf = (i: Instance): string => `ws://${i.address}:${i.port}`;

export function vtsHeard(ctx: AppContext): HTMLElement {
  const list = el('div', { class: 'heard-list', attrs: { 'data-testid': 'vts-heard' } });
  const note = el('div', { class: 'form-status', attrs: { role: 'status', 'data-testid': 'vts-heard-status' } });
  const element = el('div', { class: 'heard' }, el('div', { class: 'field-label', text: 'Heard on your network' }), list, note);
  let busy = false;
  let last: ReceiversInfo['vtubeStudio'] | null = null;

  const use = async (i: Instance): Promise<void> => {
    if (busy) return;
    busy = true;
    render();
    note.textContent = 'Applying…';
    note.className = 'form-status info';
    try {
      const result = await ctx.api.patchSettings({ outputs: { vtubeStudio: { enabled: true, url: urlOf(i) } } });
      if (result.ok) {
        ctx.settings.set(result.settings);
        note.textContent = `Sending to VTube Studio on ${i.address}. Allow the plugin "vtlink" when VTube Studio asks.`;
        note.className = 'form-status ok';
      } else {
        note.textContent = `Not applied: ${result.issues.map((x) => x.message).join('; ')}`;
        note.className = 'form-status error';
      }
    } catch (err) {
      note.textContent = `Not applied: ${err instanceof ApiError ? err.message : 'the service did not answer'}`;
      note.className = 'form-status error';
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) ctx.requestPairing();
    } finally {
      busy = false;
      render();
    }
  };

  // What the list was last drawn from (not the ever-changing "heard ago"): a poll that brings nothing
  // new keeps the same rows, so a finger on "Use" never lands on a button that was just replaced.
  let drawnFrom = '';
  const render = (): void => {
    if (!last) return;
    const current = ctx.settings.current?.outputs.vtubeStudio;
    const key = JSON.stringify([last.problem ?? null, last.instances.map(({ lastHeardAgoMs: _, ...rest }) => rest), current?.enabled, current?.url, busy]);
    if (key === drawnFrom) return;
    drawnFrom = key;
    if (last.problem) {
      list.replaceChildren(el('div', { class: 'muted', text: `The box cannot listen for VTube Studio (${last.problem}). Type its address below.` }));
      return;
    }
    if (last.instances.length === 0) {
      list.replaceChildren(el('div', { class: 'muted', text: 'No VTube Studio heard yet. Start VTube Studio on a PC on this network: it announces itself every 2 seconds.' }));
      return;
    }
    list.replaceChildren(
      ...last.instances.map((i) => {
        const inUse = current?.enabled === true && current.url === urlOf(i);
        const title = i.windowTitle ? ` — ${i.windowTitle}` : '';
        return el(
          'div',
          { class: 'heard-row', attrs: { 'data-heard': `${i.address}:${i.port}` } },
          el(
            'div',
            { class: 'heard-text' },
            el('span', { text: `VTube Studio on ${i.address}${title}` }),
            i.active ? null : el('span', { class: 'muted', text: 'plugin API off: switch on "Allow Plugin API access" in VTube Studio' }),
          ),
          inUse
            ? el('span', { class: 'badge badge-sending', text: 'In use' })
            : button('Use', () => void use(i), 'btn primary small', { 'data-use-vts': `${i.address}:${i.port}`, ...(busy ? { disabled: '' } : {}) }),
        );
      }),
    );
  };

  const poll = async (): Promise<void> => {
    if (!element.isConnected || document.hidden) return;
    try {
      last = (await ctx.api.receivers()).vtubeStudio;
      render();
    } catch (err) {
      last = null;
      drawnFrom = '';
      const text =
        err instanceof ApiError && err.status === 401
          ? 'Pair this browser (System › Pairing) to see the VTube Studios on your network.'
          : `Cannot ask the box what it hears: ${err instanceof Error ? err.message : String(err)}`;
      list.replaceChildren(el('div', { class: 'muted', text }));
    }
  };
  // Asked only while the page is shown (the timer skips otherwise); the first time as soon as it is built.
  setInterval(() => void poll(), POLL_MS);
  queueMicrotask(() => void poll());
  ctx.settings.subscribe(() => render());
  return element;
}
