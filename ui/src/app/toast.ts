/** A short message at the bottom of the screen (pairing results, connection problems). */
import { el } from './dom';

let host: HTMLElement | null = null;

export function toast(text: string, kind: 'ok' | 'error' | 'info' = 'info', ms = 4000): void {
  host ??= document.body.appendChild(el('div', { class: 'toasts', attrs: { 'aria-live': 'polite' } }));
  const t = el('div', { class: `toast ${kind}`, text });
  host.append(t);
  setTimeout(() => t.remove(), ms);
}
