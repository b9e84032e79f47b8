// The scalar reference: the general sampler for every pixel, and the run-time dispatch.
#include "kernels/preprocess_common.h"

namespace vtlink {

namespace {

template <PixelFormat Fmt>
void ScalarFormat(const FrameView& frame, const PreprocessParams& p, float* out) {
  const WarpGeometry g(p);
  for (int j = 0; j < g.n; j++) {
    float rowX, rowY;
    g.Row(j, &rowX, &rowY);
    GeneralRun<Fmt>(frame, p, rowX, rowY, g.colStepX, g.colStepY, 0, g.n, out + static_cast<size_t>(j) * g.n * 3);
  }
}

}  // namespace

void PreprocessScalar(const FrameView& frame, const PreprocessParams& p, float* out) {
  switch (frame.format) {
    case PixelFormat::Rgb: return ScalarFormat<PixelFormat::Rgb>(frame, p, out);
    case PixelFormat::Bgr: return ScalarFormat<PixelFormat::Bgr>(frame, p, out);
    case PixelFormat::Rgba: return ScalarFormat<PixelFormat::Rgba>(frame, p, out);
    case PixelFormat::Yuyv: return ScalarFormat<PixelFormat::Yuyv>(frame, p, out);
    case PixelFormat::Nv12: return ScalarFormat<PixelFormat::Nv12>(frame, p, out);
  }
}

void Preprocess(SimdLevel level, const FrameView& frame, const PreprocessParams& p, float* out) {
  switch (level) {
#if defined(__x86_64__)
    case SimdLevel::Sse41: return PreprocessSse41(frame, p, out);
    case SimdLevel::Avx2: return PreprocessAvx2(frame, p, out);
    case SimdLevel::Avx512: return PreprocessAvx512(frame, p, out);
#endif
#if defined(__aarch64__)
    case SimdLevel::Neon: return PreprocessNeon(frame, p, out);
#endif
    default: return PreprocessScalar(frame, p, out);
  }
}

}  // namespace vtlink
