/** Colours as 0xRRGGBB numbers (what Pixi's fills take) from the settings' '#rrggbb' strings. */

export function parseHexColour(text: string, fallback: number): number {
  const m = /^#?([0-9a-f]{6})$/i.exec(text.trim());
  return m ? parseInt(m[1], 16) : fallback;
}

/** Mixes `colour` towards `other` by `amount` (0 = colour, 1 = other), per channel. */
export function mix(colour: number, other: number, amount: number): number {
  const ch = (c: number, shift: number): number => (c >> shift) & 0xff;
  let out = 0;
  for (const shift of [16, 8, 0]) {
    const v = Math.round(ch(colour, shift) + (ch(other, shift) - ch(colour, shift)) * amount);
    out |= Math.min(255, Math.max(0, v)) << shift;
  }
  return out;
}

export const darken = (c: number, amount: number): number => mix(c, 0x000000, amount);
export const lighten = (c: number, amount: number): number => mix(c, 0xffffff, amount);
