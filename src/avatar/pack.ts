/**
 * An avatar pack: what one PSD becomes on the state partition, `<state>/avatars/<id>/`:
 *   manifest.json   PackManifest (below)
 *   layers/NNN.png  each drawn layer's pixels, trimmed to its visible bounds (straight alpha)
 * The UI draws a pack from these alone; the PSD itself is not kept.
 */
import { z } from 'zod';
import { AVATAR_PARTS, PACK_CHOICE_PREFIX } from './parts';

export { PACK_CHOICE_PREFIX, packIdOfChoice } from './parts';
export const PACK_FORMAT = 1;
export const PACK_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

const Layer = z.strictObject({
  /** Position in the drawing order, 0 = backmost (the PSD's order, groups flattened). */
  index: z.int().min(0),
  name: z.string(),
  /** The folders around the layer in the PSD, outermost first. */
  groups: z.array(z.string()),
  /** The rig part it drives; null: unassigned (drawn as in the PSD, moving with the head). */
  part: z.enum(AVATAR_PARTS).nullable(),
  /** Whether the name convention chose `part` (false once the user mapped it). */
  partFromName: z.boolean(),
  /** Pixel box in canvas coordinates (may reach past the canvas, as PSD layers may). */
  x: z.int(),
  y: z.int(),
  width: z.int().min(1),
  height: z.int().min(1),
  /** 0..1, the layer's and its folders' opacity together. */
  opacity: z.number().min(0).max(1),
  /** Shown in the PSD (it and every folder around it). Unassigned hidden layers stay hidden. */
  visible: z.boolean(),
  /** Relative to the pack's folder. */
  file: z.string().regex(/^layers\/\d{3}\.png$/),
});
export type PackLayer = z.infer<typeof Layer>;

export const PackManifestSchema = z.strictObject({
  format: z.literal(PACK_FORMAT),
  id: z.string().regex(PACK_ID_PATTERN),
  /** Shown in the UI: the file's name without .psd, unless renamed. */
  name: z.string().min(1).max(128),
  sourceFile: z.string().max(255).nullable(),
  sourceBytes: z.int().min(0),
  createdAt: z.string(),
  /** The PSD's canvas, pixels. */
  width: z.int().min(1),
  height: z.int().min(1),
  layers: z.array(Layer),
});
export type PackManifest = z.infer<typeof PackManifestSchema>;

/** What GET /api/avatars lists for each pack. */
export interface PackSummary {
  id: string;
  choice: string;
  name: string;
  width: number;
  height: number;
  layers: number;
  unassigned: number;
  createdAt: string;
}

export function packSummary(m: PackManifest): PackSummary {
  return {
    id: m.id,
    choice: `${PACK_CHOICE_PREFIX}${m.id}`,
    name: m.name,
    width: m.width,
    height: m.height,
    layers: m.layers.length,
    unassigned: m.layers.filter((l) => l.part === null && l.visible).length,
    createdAt: m.createdAt,
  };
}
