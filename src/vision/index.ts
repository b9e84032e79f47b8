/** Public face of the vision stage. */
export type { RgbImage } from '../image/frame';
export { createRgbImage } from '../image/frame';
export type { RotatedRoi } from './roi-types';
export { roiToImage, imageToRoi } from './roi-types';
export { roiFromDetection, roiFromMesh, roiLeavesImage, FACE_ROI_SCALE } from './roi';
export { BlazeFaceDetector, FaceKeypoint, type Detection, type DetectorOptions, type Point2 } from './blazeface';
export { FaceMeshModel, MESH_POINTS, type MeshResult } from './mesh';
export { IrisModel, eyeRoi, refineMeshWithIris, type EyeResult, type IrisResult } from './iris';
export { FaceVision, type FaceVisionOptions, type StageTimings } from './face-vision';
export { ModelLoadError, ModelSession } from './session';
export type { DetectorKind } from './model-specs';
export { warpRoi, type WarpOptions, type BorderMode } from './warp';
