/**
 * Vowel weights (Japanese A I U E O, as VTuber lip sync uses them) from the mouth's shape alone:
 *   A: open, neutral width        I: wide (spread), slightly open     U: round (narrow), slightly open
 *   E: wide, half open            O: round, open
 * `open` is 0..1, `spread` and `round` are 0..1 (how much wider / narrower than neutral). Each shape
 * scores 0..1; the scores are then scaled down together so they sum to at most 1 (a closed, neutral
 * mouth is silence: all 0).
 */

export interface VowelWeights {
  a: number;
  i: number;
  u: number;
  e: number;
  o: number;
}

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);
/** 0 at `lo`, 1 at `hi`, linear between. */
const ramp = (v: number, lo: number, hi: number): number => clamp01((v - lo) / (hi - lo));
/** 1 at `centre`, falling linearly to 0 at `centre +- halfWidth`. */
const peak = (v: number, centre: number, halfWidth: number): number => clamp01(1 - Math.abs(v - centre) / halfWidth);

export function vowelWeights(open: number, spread: number, round: number, out: VowelWeights): VowelWeights {
  const a = ramp(open, 0.15, 0.6) * (1 - spread) * (1 - round);
  const i = spread * peak(open, 0.2, 0.2);
  const e = spread * peak(open, 0.45, 0.3);
  const u = round * peak(open, 0.2, 0.2);
  const o = round * ramp(open, 0.2, 0.6);
  const sum = a + i + u + e + o;
  const scale = sum > 1 ? 1 / sum : 1;
  out.a = a * scale;
  out.i = i * scale;
  out.u = u * scale;
  out.e = e * scale;
  out.o = o * scale;
  return out;
}
