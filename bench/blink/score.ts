/**
 * Blink events from per-frame eye signals, and their agreement with the labels.
 *
 * A detected blink is a run of frames whose blink signal (the mean of eyeBlinkLeft and eyeBlinkRight)
 * is at or above the threshold. It is a hit when it overlaps a labelled blink; each labelled blink
 * takes at most one hit (one-to-one, in time order), every other detection is a false positive.
 */

export interface Range {
  start: number;
  end: number;
}

/** Per frame [eyeBlinkLeft, eyeBlinkRight], or null without a face. */
export type EyeSignals = ([number, number] | null)[];

export function blinkSignal(eyes: EyeSignals): number[] {
  return eyes.map((e) => (e ? (e[0] + e[1]) / 2 : 0));
}

export function detectBlinks(signal: readonly number[], threshold: number): Range[] {
  const out: Range[] = [];
  let start = -1;
  for (let t = 0; t <= signal.length; t++) {
    const on = t < signal.length && signal[t] >= threshold;
    if (on && start < 0) start = t;
    if (!on && start >= 0) {
      out.push({ start, end: t - 1 });
      start = -1;
    }
  }
  return out;
}

export interface Counts {
  hits: number;
  labelled: number;
  detected: number;
}

export function matchBlinks(detected: readonly Range[], labelled: readonly Range[]): Counts {
  const used = new Set<number>();
  let hits = 0;
  for (const d of detected) {
    const k = labelled.findIndex((l, i) => !used.has(i) && d.start <= l.end && l.start <= d.end);
    if (k >= 0) {
      used.add(k);
      hits++;
    }
  }
  return { hits, labelled: labelled.length, detected: detected.length };
}

export function addCounts(a: Counts, b: Counts): Counts {
  return { hits: a.hits + b.hits, labelled: a.labelled + b.labelled, detected: a.detected + b.detected };
}

export function f1(c: Counts): { precision: number; recall: number; f1: number } {
  const precision = c.detected ? c.hits / c.detected : 1;
  const recall = c.labelled ? c.hits / c.labelled : 1;
  return { precision, recall, f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0 };
}
