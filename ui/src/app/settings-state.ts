/** The service's current settings, shared by every form; forms show these, never their own guesses. */
import type { Settings } from '../api/http';

export class SettingsState {
  private value: Settings | null = null;
  private json = '';
  private readonly listeners = new Set<(s: Settings) => void>();

  get current(): Settings | null {
    return this.value;
  }

  /** New settings from the service; listeners run only if something differs (forms re-render on it). */
  set(settings: Settings): void {
    const json = JSON.stringify(settings);
    if (json === this.json) return;
    this.json = json;
    this.value = settings;
    for (const fn of this.listeners) fn(settings);
  }

  /** Calls `fn` now (if settings are loaded) and on every change; returns the unsubscribe function. */
  subscribe(fn: (s: Settings) => void): () => void {
    this.listeners.add(fn);
    if (this.value) fn(this.value);
    return () => this.listeners.delete(fn);
  }
}
