/**
 * "Are you sure?" in a sheet, for actions that throw something away. A touch screen has no
 * window.confirm worth using (it blocks the page and looks like the browser, not the app); the sheet's
 * backdrop also keeps a stray touch from hitting what is behind it.
 */
import { button, el } from '../dom';
import { openSheet } from './sheet';

export interface ConfirmOptions {
  title: string;
  message: string;
  /** The label of the button that goes ahead, e.g. "Reset". */
  confirmLabel: string;
}

/** Resolves true when the user confirms, false when they cancel. */
export function openConfirm(options: ConfirmOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const sheet = openSheet(options.title, 'confirm');
    const finish = (yes: boolean) => {
      sheet.close();
      resolve(yes);
    };
    sheet.body.append(
      el('p', { class: 'confirm-message', text: options.message }),
      el(
        'div',
        { class: 'sheet-actions' },
        button('Cancel', () => finish(false), 'btn large', { 'data-key': 'Cancel' }),
        button(options.confirmLabel, () => finish(true), 'btn large danger', { 'data-key': 'Confirm' }),
      ),
    );
  });
}
