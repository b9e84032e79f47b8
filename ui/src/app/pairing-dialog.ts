/**
 * Pairing from another host: a change was refused (401) because this browser is not paired, so ask
 * for the PIN shown on the device's screen, exchange it for a token and keep the token.
 */
import { ApiError, type ApiClient } from '../api/http';
import { openNumpad } from './input/numpad';

const TOKEN_KEY = 'vtlink.pairingToken';

export function loadToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export async function askToPair(api: ApiClient, notify: (text: string, kind: 'ok' | 'error') => void): Promise<void> {
  const pin = await openNumpad({ title: 'PIN shown on the device', value: null, integer: true, min: 0, max: 999999 });
  if (pin === undefined || pin === null) return;
  try {
    const token = await api.pair(String(pin).padStart(6, '0'), navigator.userAgent.slice(0, 64) || 'browser');
    try {
      localStorage.setItem(TOKEN_KEY, token);
    } catch {
      // Private mode: the token lasts for this page only.
    }
    notify('Paired: changes from this device are allowed now. Apply again.', 'ok');
  } catch (err) {
    notify(err instanceof ApiError ? err.message : 'pairing failed', 'error');
  }
}
