/**
 * Which FaceMesh point each of the attention mesh's 80 lip points replaces (its "lips" output, in
 * order). These are the indices the model itself gathers from its own mesh to place its lips crop
 * (test/models.test.ts reads them out of the graph): outer lip contour, inner contour, then the two
 * rings between them.
 */
export const LIPS_TO_MESH: readonly number[] = [
  61, 146, 91, 181, 84, 17, 314, 405, 321, 375,
  291, 185, 40, 39, 37, 0, 267, 269, 270, 409,
  78, 95, 88, 178, 87, 14, 317, 402, 318, 324,
  308, 191, 80, 81, 82, 13, 312, 311, 310, 415,
  76, 77, 90, 180, 85, 16, 315, 404, 320, 307,
  306, 184, 74, 73, 72, 11, 302, 303, 304, 408,
  62, 96, 89, 179, 86, 15, 316, 403, 319, 325,
  292, 183, 42, 41, 38, 12, 268, 271, 272, 407,
];

/** Writes the attention mesh's 80 lip points (x, y; the mesh keeps its z) over their mesh points. */
export function refineMeshWithLips(mesh: Float32Array, lips: Float32Array): void {
  for (let i = 0; i < LIPS_TO_MESH.length; i++) {
    const m = LIPS_TO_MESH[i] * 3;
    mesh[m] = lips[i * 2];
    mesh[m + 1] = lips[i * 2 + 1];
  }
}
