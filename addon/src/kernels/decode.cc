#include "kernels/decode.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <string>

namespace vtlink {

std::vector<float> GenerateAnchors(const AnchorConfig& config) {
  std::vector<float> centres;
  const auto& strides = config.strides;
  size_t layer = 0;
  while (layer < strides.size()) {
    const int stride = strides[layer];
    int sameStride = 0;
    while (layer < strides.size() && strides[layer] == stride) {
      sameStride++;
      layer++;
    }
    const int perCell = sameStride * config.anchorsPerLayer;
    const int rows = static_cast<int>(std::ceil(static_cast<double>(config.inputSize) / stride));
    const int cols = rows;
    for (int y = 0; y < rows; y++) {
      for (int x = 0; x < cols; x++) {
        for (int k = 0; k < perCell; k++) {
          centres.push_back(static_cast<float>((x + config.offset) / cols));
          centres.push_back(static_cast<float>((y + config.offset) / rows));
        }
      }
    }
  }
  return centres;
}

const std::vector<float>& CachedAnchors(const AnchorConfig& config) {
  static std::mutex mutex;
  static std::map<std::string, std::vector<float>> cache;
  std::string key = std::to_string(config.inputSize) + "/" + std::to_string(config.anchorsPerLayer) + "/" +
                    std::to_string(config.offset);
  for (int s : config.strides) key += "/" + std::to_string(s);
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(key);
  if (it == cache.end()) it = cache.emplace(key, GenerateAnchors(config)).first;
  return it->second;  // std::map nodes never move: the reference stays valid.
}

int ScanScoresScalar(const float* logits, int n, float threshold, int* indices) {
  int count = 0;
  for (int i = 0; i < n; i++) {
    if (logits[i] >= threshold) indices[count++] = i;
  }
  return count;
}

int ScanScores(SimdLevel level, const float* logits, int n, float threshold, int* indices) {
  switch (level) {
#if defined(__x86_64__)
    case SimdLevel::Sse41: return ScanScoresSse41(logits, n, threshold, indices);
    case SimdLevel::Avx2:
    case SimdLevel::Avx512:  // no AVX-512 scan: 896 scores, the AVX2 one is enough
      return ScanScoresAvx2(logits, n, threshold, indices);
#endif
#if defined(__aarch64__)
    case SimdLevel::Neon: return ScanScoresNeon(logits, n, threshold, indices);
#endif
    default: return ScanScoresScalar(logits, n, threshold, indices);
  }
}

namespace {

double Iou(const NmsCandidate& a, const NmsCandidate& b) {
  const double ix = std::min(a.xMax, b.xMax) - std::max(a.xMin, b.xMin);
  const double iy = std::min(a.yMax, b.yMax) - std::max(a.yMin, b.yMin);
  if (ix <= 0 || iy <= 0) return 0;
  const double inter = ix * iy;
  const double uni = (a.xMax - a.xMin) * (a.yMax - a.yMin) + (b.xMax - b.xMin) * (b.yMax - b.yMin) - inter;
  return uni > 0 ? inter / uni : 0;
}

// The float32 threshold t with (logit >= t) == ((double)logit >= threshold) for every float logit,
// so the float SIMD compare gives the TypeScript's double compare exactly.
float FloatThreshold(double logitThreshold) {
  if (std::isinf(logitThreshold)) {
    return logitThreshold > 0 ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity();
  }
  float t = static_cast<float>(logitThreshold);
  if (static_cast<double>(t) < logitThreshold) t = std::nextafter(t, std::numeric_limits<float>::infinity());
  return t;
}

}  // namespace

int DecodeAndNms(SimdLevel level, const std::vector<float>& anchors, const RawOutputs* pairs, int pairCount,
                 const DecodeParams& params, float* out) {
  const double t = params.scoreThreshold;
  const double logitThreshold = t <= 0 ? -std::numeric_limits<double>::infinity()
                                : t >= 1 ? std::numeric_limits<double>::infinity()
                                         : std::log(t / (1 - t));
  const float threshold = FloatThreshold(logitThreshold);
  const int vpa = params.valuesPerAnchor;
  const int kpValues = vpa - 4;
  const double s = params.inputSize;

  // Scratch reused across calls; thread_local so concurrent callers never share it.
  thread_local std::vector<int> indices;
  thread_local std::vector<NmsCandidate> cands;
  thread_local std::vector<float> keypoints;  // kpValues per candidate, float32 like the TS Float32Array
  cands.clear();
  keypoints.clear();
  int anchorBase = 0;
  for (int p = 0; p < pairCount; p++) {
    const RawOutputs& o = pairs[p];
    indices.resize(o.count);
    const int found = ScanScores(level, o.scores, o.count, threshold, indices.data());
    for (int f = 0; f < found; f++) {
      const int i = indices[f];
      const double clipped = std::max(-100.0, std::min(100.0, static_cast<double>(o.scores[i])));
      const double score = 1 / (1 + std::exp(-clipped));
      const double ax = anchors[static_cast<size_t>(anchorBase + i) * 2];
      const double ay = anchors[static_cast<size_t>(anchorBase + i) * 2 + 1];
      const float* r = o.boxes + static_cast<size_t>(i) * vpa;
      const double cx = r[0] / s + ax;
      const double cy = r[1] / s + ay;
      const double w = r[2] / s;
      const double h = r[3] / s;
      cands.push_back({score, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, static_cast<int>(cands.size())});
      for (int k = 0; k < kpValues; k += 2) {
        keypoints.push_back(static_cast<float>(r[4 + k] / s + ax));
        keypoints.push_back(static_cast<float>(r[5 + k] / s + ay));
      }
    }
    anchorBase += o.count;
  }

  return WeightedNms(cands, keypoints.data(), kpValues, params.iouThreshold, params.maxDetections, out);
}

// Weighted NMS (nms.ts): best remaining candidate, merge all with IoU > threshold (itself included)
// by score-weighted average, keep the best one's score. Sorts `cands` (stable, by score).
int WeightedNms(std::vector<NmsCandidate>& cands, const float* keypoints, int kpValues, double iouThreshold,
                int maxDetections, float* out) {
  std::stable_sort(cands.begin(), cands.end(), [](const NmsCandidate& a, const NmsCandidate& b) { return a.score > b.score; });
  thread_local std::vector<NmsCandidate> remaining;
  thread_local std::vector<NmsCandidate> keep;
  thread_local std::vector<float> sumKp;
  remaining.assign(cands.begin(), cands.end());
  sumKp.resize(kpValues);
  const int rowSize = 5 + kpValues;
  int written = 0;
  while (!remaining.empty() && written < maxDetections) {
    const NmsCandidate best = remaining[0];
    keep.clear();
    std::fill(sumKp.begin(), sumKp.end(), 0.f);
    double sumW = 0, x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    for (size_t m = 0; m < remaining.size(); m++) {
      const NmsCandidate& c = remaining[m];
      if (m != 0 && Iou(best, c) <= iouThreshold) {
        keep.push_back(c);
        continue;
      }
      const double wgt = c.score;
      sumW += wgt;
      x0 += c.xMin * wgt;
      y0 += c.yMin * wgt;
      x1 += c.xMax * wgt;
      y1 += c.yMax * wgt;
      const float* kp = keypoints + static_cast<size_t>(c.index) * kpValues;
      for (int k = 0; k < kpValues; k++) sumKp[k] = static_cast<float>(sumKp[k] + kp[k] * wgt);
    }
    float* row = out + static_cast<size_t>(written) * rowSize;
    row[0] = static_cast<float>(best.score);
    if (sumW > 0) {
      row[1] = static_cast<float>(x0 / sumW);
      row[2] = static_cast<float>(y0 / sumW);
      row[3] = static_cast<float>(x1 / sumW);
      row[4] = static_cast<float>(y1 / sumW);
      for (int k = 0; k < kpValues; k++) row[5 + k] = static_cast<float>(sumKp[k] / sumW);
    } else {
      row[1] = static_cast<float>(best.xMin);
      row[2] = static_cast<float>(best.yMin);
      row[3] = static_cast<float>(best.xMax);
      row[4] = static_cast<float>(best.yMax);
      const float* kp = keypoints + static_cast<size_t>(best.index) * kpValues;
      for (int k = 0; k < kpValues; k++) row[5 + k] = kp[k];
    }
    written++;
    remaining.swap(keep);
  }
  return written;
}

}  // namespace vtlink
