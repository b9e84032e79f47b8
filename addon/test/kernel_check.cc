// Standalone check of the SIMD kernels against the scalar reference, without Node: random frames
// (every format, random sizes, strides, rotated/mirrored ROIs partly outside, both borders) through
// every SIMD level this build and CPU have, and the score scan on random logits. Built natively
// (x86-64: SSE4.1, AVX2) and for aarch64 (NEON, run under qemu-aarch64) by addon/test/Makefile.
// Prints one line per level and kernel: "preprocess <level> <format> max_abs_diff <d> cases <n>";
// exits 1 if a difference exceeds the tolerance or no SIMD level ran.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "kernels/decode.h"
#include "kernels/preprocess.h"
#include "kernels/simd_level.h"

using namespace vtlink;

namespace {

// Output in byte units (scale 1, offset 0): differences are grey levels. The SIMD levels
// interpolate horizontally with fixed-point weights in units of 2^-14: rounding a weight moves it
// by at most 2^-15, times a tap difference of at most 255 levels = 0.008 levels for RGB, and at
// most ~3.2x that through the YUV -> RGB coefficients (1.164 + 2.017 for B) = 0.025; FMA
// contraction moves sample positions by a float ulp on top. 0.05 bounds both.
constexpr double kTolerance = 0.05;

const char* FormatName(PixelFormat f) {
  static const char* names[] = {"rgb", "bgr", "rgba", "yuyv", "nv12"};
  return names[static_cast<int>(f)];
}

struct TestFrame {
  std::vector<uint8_t> bytes;
  FrameView view;
};

TestFrame RandomFrame(std::mt19937& rng, PixelFormat format) {
  std::uniform_int_distribution<int> half(1, 160), pad(0, 9);
  TestFrame t;
  const int w = 2 * half(rng), h = 2 * half(rng);
  const int bpp = format == PixelFormat::Rgba ? 4 : format == PixelFormat::Yuyv ? 2 : format == PixelFormat::Nv12 ? 1 : 3;
  const int stride0 = w * bpp + pad(rng);
  const int stride1 = w + pad(rng);
  const size_t size0 = static_cast<size_t>(stride0) * h;
  const size_t size1 = format == PixelFormat::Nv12 ? static_cast<size_t>(stride1) * (h / 2) : 0;
  t.bytes.resize(size0 + size1);
  std::uniform_int_distribution<int> byte(0, 255);
  for (auto& b : t.bytes) b = static_cast<uint8_t>(byte(rng));
  t.view = {format, w, h, t.bytes.data(), stride0, size1 ? t.bytes.data() + size0 : nullptr, stride1};
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  const int cases = argc > 1 ? std::atoi(argv[1]) : 300;
  std::mt19937 rng(20240611);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<SimdLevel> levels;
  for (SimdLevel l : {SimdLevel::Sse41, SimdLevel::Avx2, SimdLevel::Avx512, SimdLevel::Neon}) {
    if (SimdLevelSupported(l)) levels.push_back(l);
  }
  if (levels.empty()) {
    std::printf("no SIMD level available in this build/CPU\n");
    return 1;
  }
  bool ok = true;
  for (SimdLevel level : levels) {
    for (int fi = 0; fi < 5; fi++) {
      const auto format = static_cast<PixelFormat>(fi);
      double worst = 0;
      for (int c = 0; c < cases; c++) {
        TestFrame t = RandomFrame(rng, format);
        const int w = t.view.width, h = t.view.height;
        PreprocessParams p{};
        p.centerX = unit(rng) * w * 1.4 - 0.2 * w;
        p.centerY = unit(rng) * h * 1.4 - 0.2 * h;
        p.size = 2 + unit(rng) * std::max(w, h);
        p.angle = (unit(rng) - 0.5) * 7;
        // Every 12th case a large crop: rows longer than one chunk of groups (see SimdRow).
        p.outSize = c % 12 == 0 ? 130 + static_cast<int>(unit(rng) * 200) : 1 + static_cast<int>(unit(rng) * 96);
        p.scale = 1;
        p.offset = 0;
        p.mirror = unit(rng) < 0.5;
        p.border = unit(rng) < 0.5 ? Border::Zero : Border::Clamp;
        const size_t n = static_cast<size_t>(p.outSize) * p.outSize * 3;
        std::vector<float> ref(n), got(n + 1, -12345.f);  // one guard value past the end
        PreprocessScalar(t.view, p, ref.data());
        Preprocess(level, t.view, p, got.data());
        if (got[n] != -12345.f) {
          std::printf("preprocess %s %s wrote past the end of its output\n", SimdLevelName(level), FormatName(format));
          ok = false;
        }
        for (size_t i = 0; i < n; i++) {
          const double d = std::fabs(static_cast<double>(ref[i]) - got[i]);
          if (!(d <= worst)) worst = d;  // NaN counts as a failure
        }
      }
      const bool pass = worst <= kTolerance;
      ok = ok && pass;
      std::printf("preprocess %s %s max_abs_diff %.6g cases %d %s\n", SimdLevelName(level), FormatName(format), worst,
                  cases, pass ? "ok" : "FAIL");
    }
    // Score scan: exact (same compares, same order).
    int mismatches = 0;
    for (int c = 0; c < cases; c++) {
      const int n = 1 + static_cast<int>(unit(rng) * 1000);
      std::vector<float> logits(n);
      for (auto& v : logits) v = static_cast<float>((unit(rng) - 0.7) * 20);
      const float threshold = static_cast<float>((unit(rng) - 0.5) * 10);
      std::vector<int> a(n), b(n);
      const int na = ScanScoresScalar(logits.data(), n, threshold, a.data());
      const int nb = ScanScores(level, logits.data(), n, threshold, b.data());
      if (na != nb || !std::equal(a.begin(), a.begin() + na, b.begin())) mismatches++;
    }
    ok = ok && mismatches == 0;
    std::printf("scan %s mismatches %d cases %d %s\n", SimdLevelName(level), mismatches, cases, mismatches == 0 ? "ok" : "FAIL");
  }
  std::printf(ok ? "ALL OK\n" : "FAILED\n");
  return ok ? 0 : 1;
}
