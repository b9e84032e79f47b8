/**
 * The on-screen numeric pad: touch panels have no keyboard. It does not clamp or refuse values
 * outside the field's limits (it shows them as a hint): the service validates, and its message is
 * shown next to the field, so what the user typed is never silently changed.
 */
import { button, el } from '../dom';
import { openSheet } from './sheet';

export interface NumpadOptions {
  title: string;
  value: number | null;
  integer: boolean;
  min?: number;
  max?: number;
  unit?: string;
  /** Offer a "Default" key that answers null (for nullable fields). */
  allowNull?: boolean;
}

/** Resolves with the number entered, null for "Default", or undefined when cancelled. */
export function openNumpad(options: NumpadOptions): Promise<number | null | undefined> {
  return new Promise((resolve) => {
    const sheet = openSheet(options.title, 'numpad');
    let text = options.value === null ? '' : String(options.value);
    let fresh = true; // the first key replaces the shown value, as on a calculator
    const display = el('output', { class: 'numpad-display', attrs: { 'data-testid': 'numpad-display' } });
    const hintParts: string[] = [];
    if (options.min !== undefined && options.max !== undefined) hintParts.push(`${options.min} – ${options.max}`);
    if (options.unit) hintParts.push(options.unit);
    if (!options.integer) hintParts.push('decimals allowed');
    const hint = el('div', { class: 'numpad-hint', text: hintParts.join(' · ') });
    const render = () => {
      display.textContent = text === '' ? ' ' : text;
    };
    const finish = (answer: number | null | undefined) => {
      sheet.close();
      resolve(answer);
    };
    const press = (key: string) => {
      if (fresh) {
        text = '';
        fresh = false;
      }
      if (key === '⌫') text = text.slice(0, -1);
      else if (key === '±') text = text.startsWith('-') ? text.slice(1) : `-${text}`;
      else if (key === '.') {
        if (!text.includes('.')) text = (text === '' || text === '-' ? `${text}0` : text) + '.';
      } else if (text.replace(/[-.]/g, '').length < 12) text = text === '0' ? key : text + key;
      render();
    };
    const keys = ['7', '8', '9', '4', '5', '6', '1', '2', '3', options.integer ? '±' : '.', '0', '⌫'];
    const allowSign = options.min === undefined || options.min < 0;
    const grid = el('div', { class: 'numpad-keys' });
    for (const key of keys) {
      const disabled = (key === '±' && !allowSign) || (key === '.' && options.integer);
      const b = button(key, () => press(key), 'key', { 'data-key': key, 'aria-label': key === '⌫' ? 'Delete' : key });
      if (disabled) b.disabled = true;
      grid.append(b);
    }
    const ok = button('OK', () => {
      if (text === '' || text === '-' || text === '.') return finish(options.allowNull ? null : undefined);
      const n = Number(text);
      finish(Number.isFinite(n) ? n : undefined);
    }, 'btn primary', { 'data-key': 'OK' });
    const actions = el(
      'div',
      { class: 'sheet-actions' },
      button('Cancel', () => finish(undefined), 'btn', { 'data-key': 'Cancel' }),
      options.allowNull ? button('Default', () => finish(null), 'btn', { 'data-key': 'Default' }) : null,
      ok,
    );
    sheet.body.append(el('div', { class: 'numpad-top' }, display, hint), grid, actions);
    render();
  });
}
