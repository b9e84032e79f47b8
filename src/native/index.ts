/** Public face of the native addon. */
export { nativeAddon, NativeAddonMissingError, type NativeAddon } from './addon';
export {
  preprocess,
  preprocessRgbImage,
  decodeBlazeFace,
  simdLevel,
  supportedSimdLevels,
  type SimdLevel,
  type PreprocessOptions,
  type DecodeOptions,
} from './kernels';
export { sdNotify } from './notify';
export { encodePreviewJpeg } from './jpeg';
