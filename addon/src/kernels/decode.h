// BlazeFace decode + weighted NMS, the native twin of src/vision/blazeface.ts (collect), anchors.ts and
// nms.ts. Numbers follow the TypeScript exactly: scores, boxes and IoU in double, anchors and keypoint
// sums rounded to float32 where the TypeScript stores them in Float32Arrays, a stable sort by score.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/simd_level.h"

namespace vtlink {

struct AnchorConfig {
  int inputSize;
  std::vector<int> strides;
  int anchorsPerLayer;
  double offset;
};

// Anchor centres [x0, y0, x1, y1, ...], built once per configuration and kept for the process's life.
const std::vector<float>& CachedAnchors(const AnchorConfig& config);
std::vector<float> GenerateAnchors(const AnchorConfig& config);

// One output pair of the model: per-anchor logits and per-anchor rows of `valuesPerAnchor` raw values
// (box cx, cy, w, h, then keypoint x, y pairs).
struct RawOutputs {
  const float* scores;
  const float* boxes;
  int count;
};

struct DecodeParams {
  int inputSize;  // raw box values are in input pixels
  double scoreThreshold;
  double iouThreshold;
  int maxDetections;
  int valuesPerAnchor;
};

// A decoded box before NMS: score and corners in double (as the TypeScript computes them); `index` is
// its position in the candidate list (keeps the sort stable and finds its keypoints).
struct NmsCandidate {
  double score, xMin, yMin, xMax, yMax;
  int index;
};

// The one weighted NMS of the addon (BlazeFace and RetinaFace share it): sorts `cands` by score
// (stable), merges clusters with IoU > iouThreshold by score-weighted average, and writes up to
// maxDetections rows of 5 + kpValues floats (score, xMin, yMin, xMax, yMax, keypoints). `keypoints`
// holds kpValues float32 values per candidate, in candidate-index order. Returns the number of rows.
int WeightedNms(std::vector<NmsCandidate>& cands, const float* keypoints, int kpValues, double iouThreshold,
                int maxDetections, float* out);

// RetinaFace (biubug6/Pytorch_Retinaface box_utils.decode / decode_landm) + WeightedNms.
// priors: count x (cx, cy, w, h) normalised; boxes: count x 4 raw offsets; scores: count x 2, either
// the two class logits (scoresAreLogits: face probability = softmax = sigmoid(l1 - l0)) or already
// probabilities (column 1 = face); landmarks: count x 10 or null. Rows as WeightedNms writes them, with
// 10 keypoint values when landmarks are given, none otherwise; normalised input coordinates.
struct RetinaFaceParams {
  int count;
  bool scoresAreLogits;
  double variance0, variance1;
  double scoreThreshold, iouThreshold;
  int maxDetections;
};
int DecodeRetinaFaceAndNms(const float* priors, const float* boxes, const float* scores, const float* landmarks,
                           const RetinaFaceParams& params, float* out);

// Writes up to maxDetections rows of (1 + 4 + valuesPerAnchor - 4) floats: score, xMin, yMin, xMax,
// yMax, keypoints x, y... in normalised input coordinates, best first. Returns the number of rows.
int DecodeAndNms(SimdLevel level, const std::vector<float>& anchors, const RawOutputs* pairs, int pairCount,
                 const DecodeParams& params, float* out);

// The SIMD part: indices i of logits[0..n) with logits[i] >= threshold, in increasing order.
int ScanScoresScalar(const float* logits, int n, float threshold, int* indices);
int ScanScoresSse41(const float* logits, int n, float threshold, int* indices);
int ScanScoresAvx2(const float* logits, int n, float threshold, int* indices);
int ScanScoresNeon(const float* logits, int n, float threshold, int* indices);
int ScanScores(SimdLevel level, const float* logits, int n, float threshold, int* indices);

}  // namespace vtlink
