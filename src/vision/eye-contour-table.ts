/**
 * Which FaceMesh point each of the Iris model's 71 eye-contour points replaces, per eye.
 *
 * Published data: MediaPipe's face landmark refinement tables (UpdateFaceLandmarksCalculator /
 * landmarks_refinement "left eye" and "right eye" configs, Apache-2.0, google/mediapipe). Entry i is
 * the mesh index of the iris model's contour point i. MediaPipe calls the 33/133 eye "left" (image
 * left); here it is the subject's RIGHT eye, the one fed to the iris model unmirrored.
 *
 * Order within each table: lower eyelid (9, corner to corner), upper eyelid (7, corners excluded),
 * then four "halo" rings around the eye and the brow (9, 7, 9, 7, 6, 9, 8) = 71.
 */
export const RIGHT_EYE_CONTOUR_TO_MESH: readonly number[] = [
  33, 7, 163, 144, 145, 153, 154, 155, 133,
  246, 161, 160, 159, 158, 157, 173,
  130, 25, 110, 24, 23, 22, 26, 112, 243,
  247, 30, 29, 27, 28, 56, 190,
  226, 31, 228, 229, 230, 231, 232, 233, 244,
  113, 225, 224, 223, 222, 221, 189,
  35, 124, 46, 53, 52, 65,
  143, 111, 117, 118, 119, 120, 121, 128, 245,
  156, 70, 63, 105, 66, 107, 55, 193,
];

/** The subject's left eye (362/263), fed mirrored; same order as above. */
export const LEFT_EYE_CONTOUR_TO_MESH: readonly number[] = [
  263, 249, 390, 373, 374, 380, 381, 382, 362,
  466, 388, 387, 386, 385, 384, 398,
  359, 255, 339, 254, 253, 252, 256, 341, 463,
  467, 260, 259, 257, 258, 286, 414,
  446, 261, 448, 449, 450, 451, 452, 453, 464,
  342, 445, 444, 443, 442, 441, 413,
  265, 353, 276, 283, 282, 295,
  372, 340, 346, 347, 348, 349, 350, 357, 465,
  383, 300, 293, 334, 296, 336, 285, 417,
];

/** How many of the leading contour points are the eyelids proper (lower 9 + upper 7). */
export const EYELID_POINTS = 16;
