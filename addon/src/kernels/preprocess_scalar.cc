// The scalar reference: the general sampler for every pixel, and the run-time dispatch.
#include "kernels/preprocess_common.h"

namespace vtlink {

void PreprocessScalar(const FrameView& frame, const PreprocessParams& p, float* out) {
  const WarpGeometry g(p);
  for (int j = 0; j < g.n; j++) {
    float rowX, rowY;
    g.Row(j, &rowX, &rowY);
    GeneralRun(frame, p, rowX, rowY, g.colStepX, g.colStepY, 0, g.n, out + static_cast<size_t>(j) * g.n * 3);
  }
}

void Preprocess(SimdLevel level, const FrameView& frame, const PreprocessParams& p, float* out) {
  switch (level) {
#if defined(__x86_64__)
    case SimdLevel::Sse41: return PreprocessSse41(frame, p, out);
    case SimdLevel::Avx2: return PreprocessAvx2(frame, p, out);
#endif
#if defined(__aarch64__)
    case SimdLevel::Neon: return PreprocessNeon(frame, p, out);
#endif
    default: return PreprocessScalar(frame, p, out);
  }
}

}  // namespace vtlink
