// Timing of the preprocess kernels without Node (for kernel work; the published figures come from
// bench/preprocess.ts): the bench's case, a 1280x720 frame -> 192x192 through a rotated ROI
// (centre 610,380, side 420, 0.35 rad, clamp border), median µs per level and format.
// Built by `make -C addon/test timing`.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "kernels/preprocess.h"
#include "kernels/simd_level.h"

using namespace vtlink;

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 2000;
  const int w = 1280, h = 720, n = 192;
  std::mt19937 rng(7);
  std::vector<uint8_t> bytes(static_cast<size_t>(w) * h * 4 + 64);
  for (auto& b : bytes) b = static_cast<uint8_t>(rng());
  std::vector<float> out(static_cast<size_t>(n) * n * 3);
  PreprocessParams p{610, 380, 420, 0.35, n, 1.f / 255, 0, false, Border::Clamp};
  const PixelFormat formats[] = {PixelFormat::Yuyv, PixelFormat::Nv12, PixelFormat::Rgb, PixelFormat::Rgba};
  const char* names[] = {"yuyv", "nv12", "rgb", "rgba"};
  for (SimdLevel level : kAllSimdLevels) {
    if (level != SimdLevel::Scalar && !SimdLevelSupported(level)) continue;
    for (int k = 0; k < 4; k++) {
      const PixelFormat fmt = formats[k];
      FrameView f{fmt, w, h, bytes.data(), 0, nullptr, 0};
      if (fmt == PixelFormat::Yuyv) f.stride0 = w * 2;
      if (fmt == PixelFormat::Nv12) { f.stride0 = w; f.plane1 = bytes.data() + w * h; f.stride1 = w; }
      if (fmt == PixelFormat::Rgb) f.stride0 = w * 3;
      if (fmt == PixelFormat::Rgba) f.stride0 = w * 4;
      const int count = level == SimdLevel::Scalar ? std::max(20, runs / 10) : runs;
      std::vector<double> t;
      for (int i = 0; i < count + count / 10; i++) {
        const auto t0 = std::chrono::steady_clock::now();
        Preprocess(level, f, p, out.data());
        const auto t1 = std::chrono::steady_clock::now();
        if (i >= count / 10) t.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
      }
      std::nth_element(t.begin(), t.begin() + t.size() / 2, t.end());
      std::printf("%-7s %-5s median %7.1f us\n", SimdLevelName(level), names[k], t[t.size() / 2]);
    }
  }
  return 0;
}
