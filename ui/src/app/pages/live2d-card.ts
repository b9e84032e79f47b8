/**
 * Settings › Avatar › Live2D: the user's own Cubism Core (vtlink cannot ship it) and their Live2D
 * models (a zip of a .model3.json folder). Without Core the card says why and how to add it, and a
 * model cannot be shown. A refused file says why; nothing else changes.
 */
import { ApiError, type Live2DState, type Live2DSummary } from '../../api/http';
import type { AppContext } from '../context';
import { button, el } from '../dom';
import { openConfirm } from '../input/confirm';

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function live2dCard(ctx: AppContext): HTMLElement {
  const core = el('p', { class: 'muted', attrs: { 'data-testid': 'live2d-core' } });
  const list = el('div', { class: 'avatar-packs', attrs: { 'data-testid': 'live2d-models' } });
  const note = el('div', { class: 'form-status', attrs: { role: 'status', 'data-testid': 'live2d-status' } });
  const modelFile = el('input', { attrs: { type: 'file', accept: '.zip,application/zip', hidden: '', 'data-testid': 'live2d-zip-file' } });
  const coreFile = el('input', { attrs: { type: 'file', accept: '.js,text/javascript', hidden: '', 'data-testid': 'live2d-core-file' } });
  let state: Live2DState | null = null;

  const setNote = (text: string, kind: '' | 'ok' | 'error' = ''): void => {
    note.textContent = text;
    note.className = `form-status${kind ? ` ${kind}` : ''}`;
  };

  async function refresh(): Promise<void> {
    try {
      state = await ctx.api.live2d();
    } catch (err) {
      setNote(`Could not list the Live2D models: ${errorText(err)}`, 'error');
      return;
    }
    core.textContent = state.coreInstalled ? 'Cubism Core: added.' : `${state.coreMissing ?? 'Cubism Core is missing.'}.`;
    core.className = state.coreInstalled ? 'muted' : 'error-text';
    const chosen = ctx.settings.current?.avatar.choice ?? '';
    list.replaceChildren(
      ...(state.models.length === 0 ? [el('p', { class: 'muted', text: 'No Live2D models added yet.' })] : []),
      ...state.models.map((m) =>
        el(
          'div',
          { class: 'avatar-pack', attrs: { 'data-live2d': m.id } },
          el('span', { class: 'avatar-pack-name', text: m.name }),
          m.choice === chosen ? el('span', { class: 'badge', text: 'On screen' }) : button('Show', () => void show(m), 'btn small', { 'data-action': 'show-live2d' }),
          button('Remove', () => void remove(m), 'btn small', { 'data-action': 'remove-live2d' }),
        ),
      ),
    );
  }

  async function act(work: () => Promise<unknown>, done: string, failed: string): Promise<void> {
    try {
      await work();
      setNote(done, 'ok');
    } catch (err) {
      setNote(`${failed}: ${errorText(err)}`, 'error');
      if (err instanceof ApiError && err.status === 401) ctx.requestPairing();
    } finally {
      await refresh();
    }
  }

  async function show(m: Live2DSummary): Promise<void> {
    if (state && !state.coreInstalled) {
      setNote(`${m.name} cannot be shown: ${state.coreMissing ?? 'Cubism Core is missing'}`, 'error');
      return;
    }
    await act(
      async () => {
        const result = await ctx.api.patchSettings({ avatar: { choice: m.choice } });
        if (!result.ok) throw new Error(result.issues.map((i) => i.message).join('; '));
        ctx.settings.set(result.settings);
      },
      `${m.name} is on screen.`,
      `${m.name} cannot be shown`,
    );
  }

  async function remove(m: Live2DSummary): Promise<void> {
    const yes = await openConfirm({ title: `Remove ${m.name}?`, message: 'Its files are deleted from the device. The zip on your computer is not touched.', confirmLabel: 'Remove' });
    if (yes) await act(() => ctx.api.removeLive2DModel(m.id), `${m.name} removed.`, `${m.name} was not removed`);
  }

  const progress = (name: string) => (sent: number, total: number) => setNote(`Uploading ${name}: ${Math.round((100 * sent) / Math.max(1, total))}%`);
  modelFile.addEventListener('change', () => {
    const chosen = modelFile.files?.[0];
    modelFile.value = '';
    if (chosen) void act(() => ctx.api.uploadLive2DModel(chosen, chosen.name, progress(chosen.name)), `${chosen.name} added.`, `${chosen.name} was not added`);
  });
  coreFile.addEventListener('change', () => {
    const chosen = coreFile.files?.[0];
    coreFile.value = '';
    if (chosen) void act(() => ctx.api.uploadCubismCore(chosen, progress(chosen.name)), 'Cubism Core added.', `${chosen.name} was not added`);
  });

  void refresh();
  ctx.settings.subscribe(() => void refresh());
  return el(
    'section',
    { class: 'card', attrs: { 'data-card': 'live2d' } },
    el('h2', { text: 'Live2D' }),
    el('p', { class: 'muted', text: 'A Live2D model (Cubism 3 or later): zip its folder, with the .model3.json, and add the zip. Live2D also needs Cubism Core from Live2D’s Cubism SDK for Web.' }),
    core,
    list,
    el(
      'div',
      { class: 'form-actions' },
      button('Add a model (.zip)…', () => modelFile.click(), 'btn', { 'data-action': 'add-live2d' }),
      button('Add Cubism Core…', () => coreFile.click(), 'btn', { 'data-action': 'add-cubism-core' }),
      modelFile,
      coreFile,
    ),
    note,
  );
}
