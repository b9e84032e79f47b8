/**
 * Settings › Avatar › Your avatars: import a layered PSD (from this screen or a paired PC's browser),
 * show one, map its layers to rig parts by touch, remove one. The layer-name convention is shown here
 * too (src/avatar/README.md has it in full). A refused file says why; nothing else changes.
 */
import { ApiError, type AvatarPart, type PackManifest, type PackSummary } from '../../api/http';
import { AVATAR_PARTS, packIdOfChoice, partLabel } from '../../../../src/avatar/parts';
import type { AppContext } from '../context';
import { button, el } from '../dom';
import { openConfirm } from '../input/confirm';
import { openPicker } from '../input/picker';
import { openSheet } from '../input/sheet';

const UNASSIGNED = '';

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function avatarPacksCard(ctx: AppContext): HTMLElement {
  const list = el('div', { class: 'avatar-packs', attrs: { 'data-testid': 'avatar-packs' } });
  const note = el('div', { class: 'form-status', attrs: { role: 'status', 'data-testid': 'avatar-import-status' } });
  const file = el('input', { attrs: { type: 'file', accept: '.psd,image/vnd.adobe.photoshop', hidden: '', 'data-testid': 'avatar-psd-file' } });
  const choose = button('Import a PSD…', () => file.click(), 'btn', { 'data-action': 'import-psd' });
  const help = el(
    'details',
    { class: 'avatar-convention' },
    el('summary', { text: 'How to name the layers' }),
    el('p', {
      text:
        'Name each layer after its part, e.g. body, head, face, hair_front, hair_back, eye_l_open, eye_l_half, eye_l_closed, ' +
        'eye_r_open…, iris_l, iris_r, brow_l, brow_r, mouth_closed, mouth_a, mouth_i, mouth_u, mouth_e, mouth_o, mouth_smile. ' +
        'l and r are the left and right as you look at the picture. Case and separators do not matter ("Eye L Open"), ' +
        'Japanese names work (左目 閉じ, 口 あ, 前髪), and folder names count ("Left eye / closed"). ' +
        'Layers with other names can be assigned here under Layers.',
    }),
  );

  const setNote = (text: string, kind: '' | 'ok' | 'error' = ''): void => {
    note.textContent = text;
    note.className = `form-status${kind ? ` ${kind}` : ''}`;
  };

  async function refresh(): Promise<void> {
    let packs: PackSummary[];
    try {
      packs = await ctx.api.avatars();
    } catch (err) {
      setNote(`Could not list the avatars: ${errorText(err)}`, 'error');
      return;
    }
    const chosen = ctx.settings.current?.avatar.choice ?? '';
    list.replaceChildren(
      ...(packs.length === 0 ? [el('p', { class: 'muted', text: 'No avatars imported yet.' })] : []),
      ...packs.map((p) =>
        el(
          'div',
          { class: 'avatar-pack', attrs: { 'data-pack': p.id } },
          el('span', { class: 'avatar-pack-name', text: p.name }),
          el('span', { class: 'muted', text: `${p.width}x${p.height} · ${p.layers} layers${p.unassigned ? ` · ${p.unassigned} unassigned` : ''}` }),
          p.choice === chosen ? el('span', { class: 'badge', text: 'On screen' }) : button('Show', () => void show(p), 'btn small', { 'data-action': 'show-avatar' }),
          button('Layers…', () => void openMapper(p.id), 'btn small', { 'data-action': 'map-layers' }),
          button('Remove', () => void remove(p), 'btn small', { 'data-action': 'remove-avatar' }),
        ),
      ),
    );
  }

  async function act(work: () => Promise<unknown>, done?: string): Promise<boolean> {
    try {
      await work();
      if (done) setNote(done, 'ok');
      return true;
    } catch (err) {
      setNote(errorText(err), 'error');
      if (err instanceof ApiError && err.status === 401) ctx.requestPairing();
      return false;
    } finally {
      await refresh();
    }
  }

  async function show(p: PackSummary): Promise<void> {
    await act(async () => {
      const result = await ctx.api.patchSettings({ avatar: { choice: p.choice } });
      if (!result.ok) throw new Error(result.issues.map((i) => i.message).join('; '));
      ctx.settings.set(result.settings);
    }, `${p.name} is on screen.`);
  }

  async function remove(p: PackSummary): Promise<void> {
    const yes = await openConfirm({ title: `Remove ${p.name}?`, message: 'Its layers and mapping are deleted from the device. The PSD on your computer is not touched.', confirmLabel: 'Remove' });
    if (yes) await act(() => ctx.api.removeAvatar(p.id), `${p.name} removed.`);
  }

  /** The mapper: every layer with its part; a tap on one picks its part. */
  async function openMapper(id: string): Promise<void> {
    let manifest: PackManifest;
    try {
      manifest = await ctx.api.avatarManifest(id);
    } catch (err) {
      setNote(errorText(err), 'error');
      return;
    }
    const sheet = openSheet(`Layers of ${manifest.name}`, 'picker avatar-mapper');
    const rows = el('div', { class: 'picker-list', attrs: { 'data-testid': 'avatar-mapper' } });
    const render = (): void => {
      rows.replaceChildren(
        ...[...manifest.layers].reverse().map((l) => {
          const b = button('', () => void pick(l.index), `picker-item${l.part === null ? ' unassigned' : ''}`, { 'data-layer': String(l.index) });
          b.append(
            el('span', { class: 'picker-label', text: [...l.groups, l.name].join(' / ') }),
            el('span', { class: 'picker-detail', text: l.part === null ? `Unassigned${l.visible ? '' : ' (hidden in the PSD)'}` : partLabel(l.part) }),
          );
          return b;
        }),
      );
    };
    const pick = async (index: number): Promise<void> => {
      const layer = manifest.layers[index];
      const choices = [{ value: UNASSIGNED, label: 'Unassigned', detail: 'drawn as in the PSD, moving with the face' }, ...AVATAR_PARTS.map((p) => ({ value: p as string, label: partLabel(p) }))];
      const chosen = await openPicker(`Part for "${layer.name}"`, choices, layer.part ?? UNASSIGNED);
      // The picker replaced the mapper's sheet: open it again with the answer.
      if (chosen !== undefined) {
        const part = chosen === UNASSIGNED ? null : (chosen as AvatarPart);
        const ok = await act(async () => {
          manifest = await ctx.api.setAvatarMapping(id, { [String(index)]: part });
        }, `"${layer.name}" is now ${part ? partLabel(part) : 'unassigned'}.`);
        if (ok) reloadIfShown(id);
      }
      void openMapper(id);
    };
    render();
    sheet.body.append(rows, el('div', { class: 'sheet-actions' }, button('Done', () => sheet.close(), 'btn', { 'data-key': 'Done' })));
  }

  /** A new mapping of the avatar on screen: draw it again from the service. */
  function reloadIfShown(id: string): void {
    const chosen = ctx.settings.current?.avatar.choice;
    if (chosen && packIdOfChoice(chosen) === id) ctx.reloadAvatar?.();
  }

  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    file.value = '';
    if (!chosen) return;
    setNote(`Uploading ${chosen.name}…`);
    void act(
      () =>
        ctx.api.uploadAvatarPsd(chosen, chosen.name, (sent, total) => {
          setNote(sent >= total ? `Reading the layers of ${chosen.name}…` : `Uploading ${chosen.name}: ${Math.round((100 * sent) / Math.max(1, total))}%`);
        }),
      `${chosen.name} imported: tap Show to put it on screen.`,
    ).then((ok) => {
      if (!ok) note.textContent = `${chosen.name} was not imported: ${note.textContent}`;
    });
  });

  void refresh();
  ctx.settings.subscribe(() => void refresh());
  return el(
    'section',
    { class: 'card', attrs: { 'data-card': 'avatar-packs' } },
    el('h2', { text: 'Your avatars' }),
    el('p', { class: 'muted', text: 'Import your own character as a layered PSD (up to 200 MB, 4096x4096, 200 layers).' }),
    list,
    el('div', { class: 'form-actions' }, choose, file),
    note,
    help,
  );
}
