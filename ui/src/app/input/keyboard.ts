/**
 * The on-screen keyboard for text fields (host names, device paths, URLs, colours). Layouts: letters
 * and symbols, with a shift key for capitals; and for network addresses a big-key digit pad (what
 * inputmode="decimal" gives on a phone), with "abc" to switch to letters for a host name. Keys are
 * buttons, so taps work without hover.
 */
import { button, el } from '../dom';
import { openSheet } from './sheet';

export interface KeyboardOptions {
  title: string;
  value: string;
  maxLength?: number;
  /** Shown under the text, e.g. the field's description. */
  hint?: string;
  /** 'address': start on the digit pad (an IP address is typed with digits and dots). Default 'text'. */
  layout?: 'text' | 'address';
}

const LETTERS = ['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm.'];
const SYMBOLS = ['1234567890', '-_.:/\\@#', '~+=?&%!*', '[]<>()|,;'];
const DIGITS = ['123', '456', '789', '.0'];

/** Resolves with the text entered, or undefined when cancelled. */
export function openKeyboard(options: KeyboardOptions): Promise<string | undefined> {
  return new Promise((resolve) => {
    const sheet = openSheet(options.title, 'keyboard');
    let text = options.value;
    let shift = false;
    let symbols = false;
    let digits = options.layout === 'address';
    const display = el('output', { class: 'keyboard-display', attrs: { 'data-testid': 'keyboard-display' } });
    const rows = el('div', { class: 'keyboard-rows' });
    const finish = (answer: string | undefined) => {
      sheet.close();
      resolve(answer);
    };
    const type = (s: string) => {
      if (options.maxLength === undefined || text.length + s.length <= options.maxLength) text += s;
      if (shift) {
        shift = false;
        renderKeys();
      }
      renderText();
    };
    const renderText = () => {
      display.textContent = text;
      display.classList.toggle('empty', text === '');
    };
    const backspace = () =>
      button('⌫', () => {
        text = text.slice(0, -1);
        renderText();
      }, 'key wide', { 'aria-label': 'Delete', 'data-key': 'Backspace' });
    const clear = () =>
      button('Clear', () => {
        text = '';
        renderText();
      }, 'key wide', { 'data-key': 'Clear' });
    const renderDigits = () => {
      rows.replaceChildren(
        ...DIGITS.map((row, i) => el('div', { class: 'keyboard-row digits' }, ...[...row].map((ch) => button(ch, () => type(ch), 'key', { 'data-key': ch })), i === 3 ? backspace() : null)),
        el(
          'div',
          { class: 'keyboard-row digits' },
          button('abc', () => {
            digits = false;
            renderKeys();
          }, 'key wide', { 'data-key': 'Letters', 'aria-label': 'Letters, for a host name' }),
          clear(),
        ),
      );
    };
    const renderKeys = () => {
      if (digits) return renderDigits();
      rows.replaceChildren();
      const layout = symbols ? SYMBOLS : LETTERS;
      layout.forEach((row, i) => {
        const rowEl = el('div', { class: 'keyboard-row' });
        if (i === 3 && !symbols) {
          const shiftKey = button('⇧', () => {
            shift = !shift;
            renderKeys();
          }, `key wide${shift ? ' on' : ''}`, { 'aria-label': 'Shift', 'data-key': 'Shift' });
          rowEl.append(shiftKey);
        }
        for (const ch of row) {
          const label = shift ? ch.toUpperCase() : ch;
          rowEl.append(button(label, () => type(label), 'key', { 'data-key': label }));
        }
        if (i === 3) rowEl.append(backspace());
        rows.append(rowEl);
      });
      rows.append(
        el(
          'div',
          { class: 'keyboard-row' },
          button(symbols ? 'abc' : '#+=', () => {
            symbols = !symbols;
            shift = false;
            renderKeys();
          }, 'key wide', { 'data-key': 'Layout' }),
          button('space', () => type(' '), 'key space', { 'data-key': 'Space' }),
          clear(),
        ),
      );
    };
    const actions = el(
      'div',
      { class: 'sheet-actions' },
      button('Cancel', () => finish(undefined), 'btn', { 'data-key': 'Cancel' }),
      button('OK', () => finish(text), 'btn primary', { 'data-key': 'OK' }),
    );
    const top = el('div', { class: 'keyboard-top' }, display, actions);
    sheet.body.append(top);
    if (options.hint) sheet.body.append(el('div', { class: 'keyboard-hint', text: options.hint }));
    sheet.body.append(rows);
    renderText();
    renderKeys();
  });
}
