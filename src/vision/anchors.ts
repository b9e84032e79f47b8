/**
 * SSD anchors as MediaPipe's SsdAnchorsCalculator builds them for BlazeFace (fixed_anchor_size,
 * aspect ratio 1, interpolated_scale_aspect_ratio 1, anchor_offset 0.5): consecutive layers that
 * share a stride are merged into one grid with 2 anchors per layer per cell. With fixed anchor size
 * only the centres matter (width = height = 1), so we store centres only.
 */

export interface AnchorConfig {
  /** Model input side in pixels. */
  readonly inputSize: number;
  /** One stride per SSD layer, e.g. [8, 16, 16, 16]. */
  readonly strides: readonly number[];
  /** Anchors each layer adds per grid cell (aspect ratio 1 + interpolated scale = 2). */
  readonly anchorsPerLayer: number;
  readonly offset: number;
}

/** BlazeFace short range ("front" camera), 128x128: 16x16x2 + 8x8x6 = 896 anchors. */
export const FRONT_ANCHORS: AnchorConfig = { inputSize: 128, strides: [8, 16, 16, 16], anchorsPerLayer: 2, offset: 0.5 };
/** BlazeFace full range ("back" camera), 256x256: 16x16x2 + 8x8x6 = 896 anchors. */
export const BACK_ANCHORS: AnchorConfig = { inputSize: 256, strides: [16, 32, 32, 32], anchorsPerLayer: 2, offset: 0.5 };

/**
 * Anchor centres, normalised to 0..1 of the model input, interleaved [x0, y0, x1, y1, ...], in the
 * order the model's outputs list them (layer groups by stride, then rows, columns, anchors).
 */
export function generateAnchors(config: AnchorConfig): Float32Array {
  const centres: number[] = [];
  const { strides, inputSize, offset } = config;
  let layer = 0;
  while (layer < strides.length) {
    const stride = strides[layer];
    let sameStride = 0;
    while (layer < strides.length && strides[layer] === stride) {
      sameStride++;
      layer++;
    }
    const perCell = sameStride * config.anchorsPerLayer;
    const rows = Math.ceil(inputSize / stride);
    const cols = Math.ceil(inputSize / stride);
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cols; x++) {
        for (let k = 0; k < perCell; k++) centres.push((x + offset) / cols, (y + offset) / rows);
      }
    }
  }
  return Float32Array.from(centres);
}
