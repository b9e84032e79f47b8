// JavaScript bindings of the kernels. The calls are synchronous on purpose: a preprocess takes tens of
// microseconds and a decode a few, far less than the cost of queueing work to the libuv pool and
// resolving a promise (sharp's AsyncWorker pattern pays off for milliseconds of work, not this).
// The arguments are flat numbers and typed arrays (src/native/kernels.ts builds them): reading object
// properties through N-API costs more than the kernels' own setup.
#include "kernels/kernels_napi.h"

#include <cmath>
#include <initializer_list>
#include <string>
#include <vector>

#include "kernels/decode.h"
#include "kernels/preprocess.h"
#include "kernels/simd_level.h"
#include "napi_args.h"

namespace vtlink {
namespace {

// -1 = the best level this CPU has; otherwise the SimdLevel enum value, which must be supported here.
SimdLevel Level(const Napi::CallbackInfo& info, size_t i) {
  const int v = IntegerArg(info, i, "level", -1, 4);
  if (v < 0) return BestSimdLevel();
  const auto level = static_cast<SimdLevel>(v);
  if (!SimdLevelSupported(level)) {
    throw Napi::Error::New(info.Env(), std::string("SIMD level '") + SimdLevelName(level) +
                                           "' is not available on this CPU (best: " + SimdLevelName(BestSimdLevel()) + ")");
  }
  return level;
}

// A Float32Array argument as node-addon-api's wrapper (the decoders use its Data and ElementLength).
Napi::Float32Array Float32ArrayArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  TypedArrayArg(info, i, name, napi_float32_array);  // the type check and its message
  return info[i].As<Napi::Float32Array>();
}

Napi::Value SimdLevelJs(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), SimdLevelName(BestSimdLevel()));
}

Napi::Value SupportedSimdLevels(const Napi::CallbackInfo& info) {
  Napi::Array out = Napi::Array::New(info.Env());
  uint32_t n = 0;
  for (SimdLevel l : kAllSimdLevels) {
    if (SimdLevelSupported(l)) out.Set(n++, Napi::String::New(info.Env(), SimdLevelName(l)));
  }
  return out;
}

// preprocess(data, format, width, height, offset0, stride0, offset1, stride1,
//            centerX, centerY, size, angle, out, outOffset, outSize, scale, offset, mirror, border, level)
Napi::Value PreprocessJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const FrameView f = FrameArgs(info, 0);
  PreprocessParams p{};
  p.centerX = NumberArg(info, 8, "roi.centerX");
  p.centerY = NumberArg(info, 9, "roi.centerY");
  p.size = NumberArg(info, 10, "roi.size");
  p.angle = NumberArg(info, 11, "roi.angle");
  if (!(p.size > 0)) throw Napi::RangeError::New(env, "roi.size must be positive");
  const TypedArrayView out = TypedArrayArg(info, 12, "out", napi_float32_array);
  const int outOffset = IntegerArg(info, 13, "outOffset", 0, INT32_MAX);
  p.outSize = IntegerArg(info, 14, "outSize", 1, 4096);
  p.scale = static_cast<float>(NumberArg(info, 15, "scale"));
  p.offset = static_cast<float>(NumberArg(info, 16, "offset"));
  p.mirror = BooleanArg(info, 17, "mirror");
  p.border = static_cast<Border>(IntegerArg(info, 18, "border", 0, 1));
  const SimdLevel level = Level(info, 19);
  const size_t need = static_cast<size_t>(outOffset) + static_cast<size_t>(p.outSize) * p.outSize * 3;
  if (out.length < need) {
    throw Napi::RangeError::New(env, "out holds " + std::to_string(out.length) + " floats, needs " + std::to_string(need));
  }
  Preprocess(level, f, p, static_cast<float*>(out.data) + outOffset);
  return env.Undefined();
}

// decodeBlazeFace(scores: Float32Array[], boxes: Float32Array[], inputSize, strides: number[],
//                 anchorsPerLayer, anchorOffset, scoreThreshold, iouThreshold, maxDetections, out, level)
Napi::Value DecodeBlazeFaceJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 11 || !info[0].IsArray() || !info[1].IsArray() || !info[3].IsArray()) {
    throw Napi::TypeError::New(env, "decodeBlazeFace(scores[], boxes[], inputSize, strides[], anchorsPerLayer, "
                                    "anchorOffset, scoreThreshold, iouThreshold, maxDetections, out, level)");
  }
  const Napi::Array scores = info[0].As<Napi::Array>();
  const Napi::Array boxes = info[1].As<Napi::Array>();
  if (scores.Length() != boxes.Length() || scores.Length() == 0 || scores.Length() > 8) {
    throw Napi::RangeError::New(env, "scores and boxes must be lists of the same length (1..8)");
  }
  AnchorConfig config;
  config.inputSize = IntegerArg(info, 2, "inputSize", 1, 1 << 16);
  const Napi::Array strides = info[3].As<Napi::Array>();
  for (uint32_t k = 0; k < strides.Length(); k++) {
    const Napi::Value v = strides.Get(k);
    if (!v.IsNumber() || v.As<Napi::Number>().Int32Value() < 1) {
      throw Napi::RangeError::New(env, "strides must be positive integers");
    }
    config.strides.push_back(v.As<Napi::Number>().Int32Value());
  }
  config.anchorsPerLayer = IntegerArg(info, 4, "anchorsPerLayer", 1, 64);
  config.offset = NumberArg(info, 5, "anchorOffset");
  DecodeParams params{};
  params.inputSize = config.inputSize;
  params.scoreThreshold = NumberArg(info, 6, "scoreThreshold");
  params.iouThreshold = NumberArg(info, 7, "iouThreshold");
  params.maxDetections = IntegerArg(info, 8, "maxDetections", 0, 1 << 16);
  auto out = Float32ArrayArg(info, 9, "out");
  const SimdLevel level = Level(info, 10);
  const std::vector<float>& anchors = CachedAnchors(config);

  RawOutputs pairs[8];
  size_t total = 0;
  int vpa = -1;
  for (uint32_t k = 0; k < scores.Length(); k++) {
    const Napi::Value s = scores.Get(k);
    const Napi::Value b = boxes.Get(k);
    if (!s.IsTypedArray() || s.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array ||
        !b.IsTypedArray() || b.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      throw Napi::TypeError::New(env, "scores and boxes must hold Float32Arrays");
    }
    auto sa = s.As<Napi::Float32Array>();
    auto ba = b.As<Napi::Float32Array>();
    const size_t n = sa.ElementLength();
    if (n == 0 || ba.ElementLength() % n != 0) {
      throw Napi::RangeError::New(env, "boxes[" + std::to_string(k) + "] length " + std::to_string(ba.ElementLength()) +
                                           " is not a multiple of scores[" + std::to_string(k) + "] length " + std::to_string(n));
    }
    const int v = static_cast<int>(ba.ElementLength() / n);
    if (vpa >= 0 && v != vpa) throw Napi::RangeError::New(env, "all box outputs must have the same values per anchor");
    vpa = v;
    pairs[k] = {sa.Data(), ba.Data(), static_cast<int>(n)};
    total += n;
  }
  if (vpa < 4 || (vpa - 4) % 2 != 0) throw Napi::RangeError::New(env, "values per anchor must be 4 + 2k, got " + std::to_string(vpa));
  if (total * 2 != anchors.size()) {
    throw Napi::RangeError::New(env, "the outputs list " + std::to_string(total) + " anchors, the anchor configuration gives " +
                                         std::to_string(anchors.size() / 2));
  }
  params.valuesPerAnchor = vpa;
  const size_t need = static_cast<size_t>(params.maxDetections) * (1 + vpa);
  if (out.ElementLength() < need) {
    throw Napi::RangeError::New(env, "out holds " + std::to_string(out.ElementLength()) + " floats, needs " + std::to_string(need));
  }
  const int n = DecodeAndNms(level, anchors, pairs, static_cast<int>(scores.Length()), params, out.Data());
  return Napi::Number::New(env, n);
}

// decodeRetinaFace(priors, boxes, scores, landmarks | null, scoresAreLogits, variance0, variance1,
//                  scoreThreshold, iouThreshold, maxDetections, out)
Napi::Value DecodeRetinaFaceJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 11 || !info[4].IsBoolean()) {
    throw Napi::TypeError::New(env, "decodeRetinaFace(priors, boxes, scores, landmarks|null, scoresAreLogits, variance0, "
                                    "variance1, scoreThreshold, iouThreshold, maxDetections, out)");
  }
  auto priors = Float32ArrayArg(info, 0, "priors");
  auto boxes = Float32ArrayArg(info, 1, "boxes");
  auto scores = Float32ArrayArg(info, 2, "scores");
  const float* landmarks = nullptr;
  size_t landmarkCount = 0;
  if (!info[3].IsNull() && !info[3].IsUndefined()) {
    auto l = Float32ArrayArg(info, 3, "landmarks");
    landmarks = l.Data();
    landmarkCount = l.ElementLength();
  }
  RetinaFaceParams params{};
  const size_t n = priors.ElementLength() / 4;
  if (priors.ElementLength() % 4 != 0 || n == 0) throw Napi::RangeError::New(env, "priors must hold 4 floats per prior");
  if (boxes.ElementLength() != n * 4 || scores.ElementLength() != n * 2 || (landmarks != nullptr && landmarkCount != n * 10)) {
    throw Napi::RangeError::New(env, std::to_string(n) + " priors need boxes " + std::to_string(n * 4) + ", scores " +
                                         std::to_string(n * 2) + ", landmarks " + std::to_string(n * 10) + " floats; got " +
                                         std::to_string(boxes.ElementLength()) + ", " + std::to_string(scores.ElementLength()) +
                                         ", " + std::to_string(landmarkCount));
  }
  params.count = static_cast<int>(n);
  params.scoresAreLogits = info[4].As<Napi::Boolean>().Value();
  params.variance0 = NumberArg(info, 5, "variance0");
  params.variance1 = NumberArg(info, 6, "variance1");
  params.scoreThreshold = NumberArg(info, 7, "scoreThreshold");
  params.iouThreshold = NumberArg(info, 8, "iouThreshold");
  params.maxDetections = IntegerArg(info, 9, "maxDetections", 0, 1 << 16);
  auto out = Float32ArrayArg(info, 10, "out");
  const size_t need = static_cast<size_t>(params.maxDetections) * (5 + (landmarks != nullptr ? 10 : 0));
  if (out.ElementLength() < need) {
    throw Napi::RangeError::New(env, "out holds " + std::to_string(out.ElementLength()) + " floats, needs " + std::to_string(need));
  }
  return Napi::Number::New(env, DecodeRetinaFaceAndNms(priors.Data(), boxes.Data(), scores.Data(), landmarks, params, out.Data()));
}

}  // namespace

void InitKernels(Napi::Env env, Napi::Object exports) {
  exports.Set("simdLevel", Napi::Function::New(env, SimdLevelJs, "simdLevel"));
  exports.Set("supportedSimdLevels", Napi::Function::New(env, SupportedSimdLevels, "supportedSimdLevels"));
  exports.Set("preprocess", Napi::Function::New(env, PreprocessJs, "preprocess"));
  exports.Set("decodeBlazeFace", Napi::Function::New(env, DecodeBlazeFaceJs, "decodeBlazeFace"));
  exports.Set("decodeRetinaFace", Napi::Function::New(env, DecodeRetinaFaceJs, "decodeRetinaFace"));
}

}  // namespace vtlink
