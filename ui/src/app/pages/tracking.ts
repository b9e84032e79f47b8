/** Settings › Tracking: range, smoothing, sensitivity, and "calibrate neutral" with a visible countdown. */
import { ApiError } from '../../api/http';
import type { AppContext } from '../context';
import { button, el } from '../dom';
import { SettingsForm } from '../forms/settings-form';

const COUNTDOWN_S = 3;

function calibrationCard(ctx: AppContext): HTMLElement {
  const big = el('div', { class: 'countdown', attrs: { 'data-testid': 'countdown', 'aria-live': 'assertive' } });
  const note = el('div', { class: 'form-status', attrs: { role: 'status', 'data-testid': 'calibration-status' } });
  const when = el('div', { class: 'muted' });
  let running = false;
  const start = button('Calibrate neutral', () => void run(), 'btn primary large', { 'data-action': 'calibrate' });

  ctx.settings.subscribe((s) => {
    const neutral = s.calibration.neutral;
    when.textContent = neutral ? `Calibrated ${new Date(neutral.capturedAt).toLocaleString()}` : 'Not calibrated: the canonical face is used.';
  });

  async function run(): Promise<void> {
    if (running) return;
    running = true;
    start.disabled = true;
    note.textContent = 'Relax your face and look at the camera.';
    note.className = 'form-status info';
    // The countdown gives the user time to settle into a neutral expression before capture.
    for (let n = COUNTDOWN_S; n > 0; n--) {
      big.textContent = String(n);
      await new Promise((r) => setTimeout(r, 1000));
    }
    big.textContent = 'Hold still';
    try {
      await ctx.api.calibrateNeutral();
      ctx.settings.set(await ctx.api.settings());
      note.textContent = 'Neutral face saved.';
      note.className = 'form-status ok';
    } catch (err) {
      note.textContent = `Calibration failed: ${err instanceof Error ? err.message : String(err)}`;
      note.className = 'form-status error';
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) ctx.requestPairing();
    } finally {
      big.textContent = '';
      running = false;
      start.disabled = false;
    }
  }

  return el(
    'section',
    { class: 'card', attrs: { 'data-form': 'calibration' } },
    el('header', { class: 'card-head' }, el('h2', { text: 'Neutral face' })),
    el('p', { class: 'muted', text: 'Captures your relaxed face so eyes, mouth and brows read as neutral when you are.' }),
    when,
    el('div', { class: 'calibrate-row' }, start, big),
    note,
  );
}

export function trackingPage(ctx: AppContext): HTMLElement {
  const range = new SettingsForm(ctx, {
    id: 'tracking',
    title: 'Tracking',
    fields: [
      { path: 'tracking.detector', choiceLabels: { front: 'Near (≤ 2 m)', back: 'Far' } },
      { path: 'tracking.smoothing.enabled' },
      { path: 'tracking.smoothing.minCutoff' },
      { path: 'tracking.smoothing.beta' },
      { path: 'tracking.sensitivity.eyes', label: 'Eye sensitivity' },
      { path: 'tracking.sensitivity.mouth', label: 'Mouth sensitivity' },
      { path: 'tracking.sensitivity.brows', label: 'Brow sensitivity' },
      { path: 'tracking.meshThreshold' },
    ],
  });
  return el('div', { class: 'page', attrs: { 'data-page': 'tracking' } }, calibrationCard(ctx), range.element);
}
