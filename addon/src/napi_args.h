// Argument readers shared by the bindings: numbers, integers in a range, typed arrays, and the eight
// flat arguments of a camera frame (data, format, width, height, offset0, stride0, offset1, stride1)
// that src/native/frame-args.ts builds. One place for the checks and their messages, so every call
// that takes a frame accepts and refuses the same frames with the same words.
//
// Each reader makes one N-API call per argument where it can (napi_get_value_double and
// napi_get_typedarray_info fail on the wrong type, so no separate type test is needed): argument
// handling is most of the fixed cost of a preprocess call.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>

#include "kernels/preprocess.h"

namespace vtlink {

// info[i] as a finite double; TypeError "<name> must be a number", RangeError "<name> must be finite".
double NumberArg(const Napi::CallbackInfo& info, size_t i, const char* name);

// info[i] as an integer in [min, max]; RangeError "<name> must be an integer in [min, max], got v".
int IntegerArg(const Napi::CallbackInfo& info, size_t i, const char* name, int min, int max);

// info[i] as a boolean; TypeError "<name> must be a boolean".
bool BooleanArg(const Napi::CallbackInfo& info, size_t i, const char* name);

// A typed array argument's data and element count.
struct TypedArrayView {
  void* data;
  size_t length;
};

// info[i] as a typed array of `type` (napi_uint8_array: "Uint8Array", napi_float32_array:
// "Float32Array"); TypeError "<name> must be a <type name>".
TypedArrayView TypedArrayArg(const Napi::CallbackInfo& info, size_t i, const char* name, napi_typedarray_type type);

// The frame in info[first .. first + 7]: format code 0..4 (vtlink::PixelFormat), size 1..32768,
// YUYV/NV12 width even, NV12 height even, every plane's rows inside the data (offset + stride *
// (rows - 1) + row bytes <= byteLength, stride >= row bytes, all below 2^31). Throws TypeError or
// RangeError with the sizes in the message.
FrameView FrameArgs(const Napi::CallbackInfo& info, size_t first);

// Bytes per pixel of plane 0 (NV12: of the Y plane).
int FrameBytesPerPixel(PixelFormat format);

}  // namespace vtlink
