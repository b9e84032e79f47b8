/**
 * Binary parameters, the way VRCFaceTracking sends them to avatars that save parameter memory: a value
 * v becomes N bool parameters `<Name>1`, `<Name>2`, `<Name>4`, ... `<Name>2^(N-1)`, the bits of the
 * level floor(|v| * 2^N) (all set when |v| > 0.99999, so 1.0 is the top level rather than an overflow
 * to zero), and for values that can be negative a `<Name>Negative` bool, true when v < 0. The avatar's
 * animator adds the bits back up (level / (2^N - 1)). N must be the bit count the avatar was built
 * with: the same names carry other levels under another N.
 */

/** Largest bit count: 8 bits are a float's resolution in VRChat's network sync already. */
export const MAX_BINARY_BITS = 8;

/** The level 0 .. 2^bits - 1 that the bits of |value| spell (NaN: 0). */
export function binaryLevel(value: number, bits: number): number {
  const top = (1 << bits) - 1;
  const magnitude = Math.abs(value);
  if (!(magnitude > 0)) return 0;
  if (magnitude > 0.99999) return top;
  return Math.min(top, Math.floor(magnitude * (1 << bits)));
}

/** The bool parameter names of one value: `<name>1`, `<name>2`, `<name>4`, ... (bit 0 first). */
export function binaryNames(name: string, bits: number): string[] {
  return Array.from({ length: bits }, (_, bit) => `${name}${1 << bit}`);
}

export function negativeName(name: string): string {
  return `${name}Negative`;
}
