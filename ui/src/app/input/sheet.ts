/**
 * A modal sheet over the app (the on-screen keyboard, the numeric pad, pickers). One at a time; the
 * backdrop blocks the page so a stray touch cannot change a setting behind it.
 */
import { el } from '../dom';

export interface Sheet {
  readonly body: HTMLElement;
  close(): void;
}

let current: Sheet | null = null;

export function openSheet(title: string, className = ''): Sheet {
  current?.close();
  const heading = el('div', { class: 'sheet-title', text: title });
  const body = el('div', { class: 'sheet-body' });
  const panel = el('div', { class: `sheet ${className}`.trim(), attrs: { role: 'dialog', 'aria-modal': 'true', 'aria-label': title } }, heading, body);
  const backdrop = el('div', { class: 'sheet-backdrop' }, panel);
  document.body.append(backdrop);
  const sheet: Sheet = {
    body,
    close() {
      backdrop.remove();
      if (current === sheet) current = null;
    },
  };
  current = sheet;
  return sheet;
}
