/**
 * Settings › Tracking: range, smoothing, sensitivity, and the calibration card: its state, "calibrate
 * neutral" with a visible countdown, and "reset calibration" behind a confirm sheet.
 */
import { ApiError, type Settings } from '../../api/http';
import type { AppContext } from '../context';
import { button, el } from '../dom';
import { SettingsForm } from '../forms/settings-form';
import { openConfirm } from '../input/confirm';

const COUNTDOWN_S = 3;
/** Sensitivity multipliers (0.5..2) in twentieths: fine enough to feel, coarse enough to hit by finger. */
const SENSITIVITY_STEP = { step: 0.05 };

function calibrationCard(ctx: AppContext): HTMLElement {
  const big = el('div', { class: 'countdown', attrs: { 'data-testid': 'countdown', 'aria-live': 'assertive' } });
  const note = el('div', { class: 'form-status', attrs: { role: 'status', 'data-testid': 'calibration-status' } });
  const state = el('div', { class: 'calibration-state', attrs: { 'data-testid': 'calibration-state' } });
  let running = false;
  const start = button('Calibrate neutral', () => void run(), 'btn primary large', { 'data-action': 'calibrate' });
  const reset = button('Reset calibration', () => void resetCalibration(), 'btn large', { 'data-action': 'reset-calibration' });

  ctx.settings.subscribe((s) => {
    state.textContent = calibrationState(s);
  });

  /** One action at a time: a reset during a capture would be refused by the service anyway. */
  function busy(on: boolean): void {
    running = on;
    start.disabled = on;
    reset.disabled = on;
  }

  async function resetCalibration(): Promise<void> {
    if (running) return;
    const sure = await openConfirm({
      title: 'Reset calibration?',
      message: 'Forgets your neutral face and what was learned about your face automatically. Tracking goes on with the default face until it is calibrated again.',
      confirmLabel: 'Reset',
    });
    if (!sure || running) return;
    busy(true);
    try {
      await ctx.api.resetCalibration();
      ctx.settings.set(await ctx.api.settings());
      note.textContent = 'Calibration reset.';
      note.className = 'form-status ok';
    } catch (err) {
      note.textContent = `Reset failed: ${err instanceof Error ? err.message : String(err)}`;
      note.className = 'form-status error';
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) ctx.requestPairing();
    } finally {
      busy(false);
    }
  }

  async function run(): Promise<void> {
    if (running) return;
    busy(true);
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
      busy(false);
    }
  }

  return el(
    'section',
    { class: 'card', attrs: { 'data-form': 'calibration' } },
    el('header', { class: 'card-head' }, el('h2', { text: 'Calibration' })),
    el('p', { class: 'muted', text: 'Captures your relaxed face so eyes, mouth and brows read as neutral when you are.' }),
    state,
    el('div', { class: 'calibrate-row' }, start, reset, big),
    note,
  );
}

/** What the card says about the calibration in force: the saved neutral wins over the automatic one. */
function calibrationState(s: Settings): string {
  const neutral = s.calibration.neutral;
  if (neutral) return `Calibrated ${new Date(neutral.capturedAt).toLocaleString()}`;
  return s.tracking.autoCalibration ? 'Learning your face automatically' : 'Not calibrated';
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
      { path: 'tracking.sensitivity.eyes', label: 'Eye sensitivity', slider: SENSITIVITY_STEP },
      { path: 'tracking.sensitivity.mouth', label: 'Mouth sensitivity', slider: SENSITIVITY_STEP },
      { path: 'tracking.sensitivity.brows', label: 'Brow sensitivity', slider: SENSITIVITY_STEP },
      { path: 'tracking.autoCalibration' },
      { path: 'tracking.meshThreshold' },
    ],
  });
  return el('div', { class: 'page', attrs: { 'data-page': 'tracking' } }, calibrationCard(ctx), range.element);
}
