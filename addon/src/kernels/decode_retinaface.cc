// RetinaFace decode (biubug6/Pytorch_Retinaface utils/box_utils.py decode, decode_landm), then the
// shared WeightedNms. The TypeScript reference is decodeRetinaFaceReference in
// src/vision/retinaface-decode.ts; numbers in double like it, keypoints rounded to float32.
#include <cmath>
#include <limits>
#include <vector>

#include "kernels/decode.h"

namespace vtlink {

int DecodeRetinaFaceAndNms(const float* priors, const float* boxes, const float* scores, const float* landmarks,
                           const RetinaFaceParams& params, float* out) {
  const double t = params.scoreThreshold;
  // Logits: compare l1 - l0 with logit(t) (softmax of two = sigmoid of the difference): no exp per prior.
  const double logitThreshold = t <= 0 ? -std::numeric_limits<double>::infinity()
                                : t >= 1 ? std::numeric_limits<double>::infinity()
                                         : std::log(t / (1 - t));
  const int kpValues = landmarks != nullptr ? 10 : 0;
  const double v0 = params.variance0;
  const double v1 = params.variance1;
  thread_local std::vector<NmsCandidate> cands;
  thread_local std::vector<float> keypoints;
  cands.clear();
  keypoints.clear();
  for (int i = 0; i < params.count; i++) {
    const double s0 = scores[2 * i];
    const double s1 = scores[2 * i + 1];
    double score;
    if (params.scoresAreLogits) {
      const double d = s1 - s0;
      if (!(d >= logitThreshold)) continue;
      score = 1 / (1 + std::exp(-d));
    } else {
      if (!(s1 >= t)) continue;
      score = s1;
    }
    const float* p = priors + static_cast<size_t>(i) * 4;
    const double pcx = p[0], pcy = p[1], pw = p[2], ph = p[3];
    const float* b = boxes + static_cast<size_t>(i) * 4;
    const double cx = pcx + b[0] * v0 * pw;
    const double cy = pcy + b[1] * v0 * ph;
    const double w = pw * std::exp(b[2] * v1);
    const double h = ph * std::exp(b[3] * v1);
    cands.push_back({score, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, static_cast<int>(cands.size())});
    if (landmarks != nullptr) {
      const float* l = landmarks + static_cast<size_t>(i) * 10;
      for (int k = 0; k < 10; k += 2) {
        keypoints.push_back(static_cast<float>(pcx + l[k] * v0 * pw));
        keypoints.push_back(static_cast<float>(pcy + l[k + 1] * v0 * ph));
      }
    }
  }
  return WeightedNms(cands, keypoints.data(), kpValues, params.iouThreshold, params.maxDetections, out);
}

}  // namespace vtlink
