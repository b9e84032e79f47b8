/**
 * PSDs written by the tests themselves with ag-psd (the library the service reads them with): layers
 * of solid colour rectangles, so a screenshot or a converted PNG can be checked pixel by pixel.
 */
import { writePsdBuffer, type Layer, type Psd } from 'ag-psd';

export type Rgba = [number, number, number, number];

export interface SolidLayer {
  name: string;
  x: number;
  y: number;
  width: number;
  height: number;
  colour: Rgba;
  hidden?: boolean;
  /** Transparent pixels around the rectangle inside the layer's box (the converter trims them). */
  margin?: number;
}

/** A layer whose box is the rectangle grown by `margin` of transparent pixels on each side. */
function layerOf(l: SolidLayer): Layer {
  const m = l.margin ?? 0;
  const w = l.width + 2 * m;
  const h = l.height + 2 * m;
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = m; y < m + l.height; y++) for (let x = m; x < m + l.width; x++) data.set(l.colour, (y * w + x) * 4);
  // ag-psd writes whatever has width, height and data: no canvas needed.
  const imageData = { width: w, height: h, data, colorSpace: 'srgb' } as unknown as NonNullable<Layer['imageData']>;
  return { name: l.name, left: l.x - m, top: l.y - m, hidden: l.hidden, imageData };
}

/** A PSD of `width` x `height` with `layers` back to front; folders as { name, children }. */
export function writeTestPsd(width: number, height: number, layers: (SolidLayer | { name: string; children: SolidLayer[] })[]): Buffer {
  const psd: Psd = {
    width,
    height,
    children: layers.map((l) => ('children' in l ? { name: l.name, children: l.children.map(layerOf) } : layerOf(l))),
  };
  return writePsdBuffer(psd, { noBackground: true });
}

/**
 * The face used by the tests: body, head, both eyes in two states, a mouth in two, and with `rigParts`
 * eye whites, irises, brows and front hair for the rig's motions — each its own colour.
 */
export const TEST_FACE = {
  width: 400,
  height: 400,
  colours: {
    body: [40, 60, 200, 255],
    head: [250, 220, 200, 255],
    eyeOpen: [20, 160, 20, 255],
    eyeClosed: [200, 20, 200, 255],
    mouthClosed: [120, 60, 20, 255],
    mouthA: [230, 20, 20, 255],
    mystery: [20, 200, 220, 255],
    eyeWhite: [245, 245, 245, 255],
    iris: [20, 40, 90, 255],
    brow: [90, 40, 120, 255],
    hairFront: [250, 190, 20, 255],
  } satisfies Record<string, Rgba>,
};

export function testFacePsd(options: { withMystery?: boolean; rigParts?: boolean } = {}): Buffer {
  const c = TEST_FACE.colours;
  const rig = options.rigParts ?? false;
  // Inside each open eye (drawn over it): a white with an iris in its middle that has room to move.
  const eyeInside = (side: 'l' | 'r', x: number): SolidLayer[] =>
    rig
      ? [
          { name: `eye_white_${side}`, x: x + 4, y: 144, width: 32, height: 16, colour: c.eyeWhite },
          { name: `iris_${side}`, x: x + 15, y: 147, width: 10, height: 10, colour: c.iris },
        ]
      : [];
  return writeTestPsd(TEST_FACE.width, TEST_FACE.height, [
    { name: 'Body', x: 80, y: 300, width: 240, height: 100, colour: c.body },
    { name: 'Head', x: 110, y: 60, width: 180, height: 230, colour: c.head, margin: 6 },
    {
      name: 'Eyes',
      children: [
        { name: 'eye_l_open', x: 140, y: 140, width: 40, height: 24, colour: c.eyeOpen },
        { name: 'eye_l_closed', x: 140, y: 140, width: 40, height: 24, colour: c.eyeClosed, hidden: true },
        ...eyeInside('l', 140),
        { name: 'Eye R Open', x: 220, y: 140, width: 40, height: 24, colour: c.eyeOpen },
        { name: 'eye R closed', x: 220, y: 140, width: 40, height: 24, colour: c.eyeClosed, hidden: true },
        ...eyeInside('r', 220),
      ],
    },
    ...(rig
      ? [
          { name: 'brow_l', x: 140, y: 118, width: 40, height: 8, colour: c.brow },
          { name: 'brow_r', x: 220, y: 118, width: 40, height: 8, colour: c.brow },
        ]
      : []),
    { name: 'mouth_closed', x: 175, y: 220, width: 50, height: 16, colour: c.mouthClosed },
    { name: '口 あ', x: 175, y: 220, width: 50, height: 16, colour: c.mouthA, hidden: true },
    ...(options.withMystery ? [{ name: 'Layer 7', x: 300, y: 80, width: 30, height: 30, colour: c.mystery, hidden: true }] : []),
    // A fringe over the top of the head, inside its outline (the head's left and right edges stay visible).
    ...(rig ? [{ name: 'hair_front', x: 130, y: 60, width: 140, height: 40, colour: c.hairFront }] : []),
  ]);
}
