#include "napi_args.h"

#include <cmath>
#include <string>

namespace vtlink {

namespace {

napi_value Arg(const Napi::CallbackInfo& info, size_t i) {
  return i < info.Length() ? static_cast<napi_value>(info[i]) : static_cast<napi_value>(info.Env().Undefined());
}

}  // namespace

double NumberArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  double v = 0;
  if (napi_get_value_double(info.Env(), Arg(info, i), &v) != napi_ok) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a number");
  }
  if (!std::isfinite(v)) throw Napi::RangeError::New(info.Env(), std::string(name) + " must be finite");
  return v;
}

int IntegerArg(const Napi::CallbackInfo& info, size_t i, const char* name, int min, int max) {
  const double v = NumberArg(info, i, name);
  if (v != std::floor(v) || v < min || v > max) {
    throw Napi::RangeError::New(info.Env(), std::string(name) + " must be an integer in [" + std::to_string(min) + ", " +
                                                std::to_string(max) + "], got " + std::to_string(v));
  }
  return static_cast<int>(v);
}

bool BooleanArg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  bool v = false;
  if (napi_get_value_bool(info.Env(), Arg(info, i), &v) != napi_ok) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a boolean");
  }
  return v;
}

TypedArrayView TypedArrayArg(const Napi::CallbackInfo& info, size_t i, const char* name, napi_typedarray_type type) {
  napi_typedarray_type actual;
  size_t length = 0;
  void* data = nullptr;
  // Fails (napi_invalid_arg) for anything that is not a typed array.
  if (napi_get_typedarray_info(info.Env(), Arg(info, i), &actual, &length, &data, nullptr, nullptr) != napi_ok ||
      actual != type) {
    throw Napi::TypeError::New(info.Env(), std::string(name) + " must be a " +
                                               (type == napi_uint8_array ? "Uint8Array" : "Float32Array"));
  }
  return {data, length};
}

int FrameBytesPerPixel(PixelFormat format) {
  switch (format) {
    case PixelFormat::Rgba: return 4;
    case PixelFormat::Yuyv: return 2;
    case PixelFormat::Nv12: return 1;
    default: return 3;
  }
}

FrameView FrameArgs(const Napi::CallbackInfo& info, size_t first) {
  Napi::Env env = info.Env();
  const TypedArrayView data = TypedArrayArg(info, first, "frame data", napi_uint8_array);
  FrameView f{};
  f.format = static_cast<PixelFormat>(IntegerArg(info, first + 1, "format", 0, 4));
  f.width = IntegerArg(info, first + 2, "width", 1, 1 << 15);
  f.height = IntegerArg(info, first + 3, "height", 1, 1 << 15);
  const int offset0 = IntegerArg(info, first + 4, "plane 0 offset", 0, INT32_MAX);
  f.stride0 = IntegerArg(info, first + 5, "plane 0 stride", 1, INT32_MAX);
  const int offset1 = IntegerArg(info, first + 6, "plane 1 offset", 0, INT32_MAX);
  f.stride1 = IntegerArg(info, first + 7, "plane 1 stride", 0, INT32_MAX);
  const std::string fmt = PixelFormatName(f.format);  // short: no heap allocation
  const size_t bytes = data.length;
  const int rowBytes = f.width * FrameBytesPerPixel(f.format);
  // Rows of `rowBytes` at offset + k * stride, k < rows, inside the data; int offsets stay below 2^31.
  const auto fits = [&](int offset, int stride, int rows, int rowBytes) {
    const double end = static_cast<double>(offset) + static_cast<double>(stride) * (rows - 1) + rowBytes;
    return stride >= rowBytes && end <= static_cast<double>(bytes) && end < 2147483647.0;
  };
  if ((f.format == PixelFormat::Yuyv || f.format == PixelFormat::Nv12) && f.width % 2 != 0) {
    throw Napi::RangeError::New(env, fmt + " frame width must be even, got " + std::to_string(f.width));
  }
  if (f.format == PixelFormat::Nv12 && f.height % 2 != 0) {
    throw Napi::RangeError::New(env, "nv12 frame height must be even, got " + std::to_string(f.height));
  }
  if (!fits(offset0, f.stride0, f.height, rowBytes)) {
    throw Napi::RangeError::New(env, fmt + " frame " + std::to_string(f.width) + "x" + std::to_string(f.height) +
                                         ": plane 0 (offset " + std::to_string(offset0) + ", stride " +
                                         std::to_string(f.stride0) + ") does not fit " + std::to_string(bytes) +
                                         " bytes with rows of " + std::to_string(rowBytes) + " bytes");
  }
  const auto* base = static_cast<const uint8_t*>(data.data);
  f.plane0 = base + offset0;
  f.plane1 = nullptr;
  if (f.format == PixelFormat::Nv12) {
    if (!fits(offset1, f.stride1, f.height / 2, f.width)) {
      throw Napi::RangeError::New(env, "nv12 frame: UV plane (offset " + std::to_string(offset1) + ", stride " +
                                           std::to_string(f.stride1) + ") does not fit " + std::to_string(bytes) +
                                           " bytes");
    }
    f.plane1 = base + offset1;
  }
  return f;
}

}  // namespace vtlink
