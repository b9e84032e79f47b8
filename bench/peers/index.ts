/** The peer runners, for bench/speed.ts and bench/accuracy.ts. */
export {
  runHumanPeer,
  humanFaceForImage,
  humanLandmarksForImage,
  HUMAN_VIDEO_CACHING,
  HUMAN_STILL_CACHING,
  type HumanFace,
  type HumanPoint,
  type HumanPeerOptions,
  type HumanPeerResult,
  type HumanCachingOptions,
} from './human-peer';
export { humanResultRow, humanResultNotes } from './human-report';
export {
  runOpenSeeFaceRaw,
  OPENSEEFACE_MODELS,
  type OpenSeeFaceRawOptions,
  type OpenSeeFaceRawResult,
  type OpenSeeFaceModelTiming,
  type OpenSeeFacePerFrame,
  type OpenSeeFaceModelKey,
} from './openseeface-raw';
export { openSeeFaceModelRows, openSeeFacePerFrameRows, openSeeFaceNotes } from './openseeface-report';
export { timeOnnxModel, createTimingSession, sessionInputShapes, type OnnxTiming, type OnnxTimingOptions } from './onnx-timer';
