// MJPEG frame decoding with libjpeg-turbo (Debian: libjpeg62-turbo-dev), into a caller's buffer.
#pragma once

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace vtlink {

class MjpegDecoder {
 public:
  // Decode `jpeg` into packed RGB (`stride` bytes a row) of exactly width x height. False (and
  // `*error`) for a corrupt or truncated frame or a size other than the one negotiated.
  bool Decode(const uint8_t* jpeg, size_t size, uint8_t* rgb, int width, int height, int stride, std::string* error);
};

// Test export: decodeMjpeg(jpegBytes: Uint8Array, width, height) → Uint8Array (packed RGB); throws
// with the decoder's message for bad data. Lets tests check the decoder without a camera.
Napi::Value DecodeMjpegForTest(const Napi::CallbackInfo& info);

}  // namespace vtlink
