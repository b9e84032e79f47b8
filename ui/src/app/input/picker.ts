/** A list of choices in a sheet, for fields with more options than fit as segmented buttons. */
import { button, el } from '../dom';
import { openSheet } from './sheet';

export interface PickerChoice<T> {
  value: T;
  label: string;
  detail?: string;
}

/** Resolves with the chosen value, or undefined when cancelled. */
export function openPicker<T>(title: string, choices: PickerChoice<T>[], selected: T | undefined): Promise<T | undefined> {
  return new Promise((resolve) => {
    const sheet = openSheet(title, 'picker');
    const finish = (answer: T | undefined) => {
      sheet.close();
      resolve(answer);
    };
    const list = el('div', { class: 'picker-list', attrs: { role: 'listbox' } });
    for (const choice of choices) {
      const b = button('', () => finish(choice.value), `picker-item${choice.value === selected ? ' selected' : ''}`, {
        role: 'option',
        'aria-selected': String(choice.value === selected),
        'data-value': String(choice.value),
      });
      b.append(el('span', { class: 'picker-label', text: choice.label }));
      if (choice.detail) b.append(el('span', { class: 'picker-detail', text: choice.detail }));
      list.append(b);
    }
    if (choices.length === 0) list.append(el('div', { class: 'muted', text: 'Nothing to choose from.' }));
    sheet.body.append(list, el('div', { class: 'sheet-actions' }, button('Cancel', () => finish(undefined), 'btn', { 'data-key': 'Cancel' })));
  });
}
