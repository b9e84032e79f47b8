#include "mjpeg.h"

#include <csetjmp>
#include <vector>

#include "image/jpeg_error.h"

namespace vtlink {

bool MjpegDecoder::Decode(const uint8_t* jpeg, size_t size, uint8_t* rgb, int width, int height, int stride, std::string* error) {
  jpeg_decompress_struct cinfo;
  JpegErrorManager manager;
  cinfo.err = InitJpegErrorManager(&manager);
  // No C++ objects with destructors live between setjmp and a longjmp into it.
  if (setjmp(manager.jump)) {
    *error = std::string("corrupt MJPEG frame: ") + manager.message;
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, const_cast<unsigned char*>(jpeg), static_cast<unsigned long>(size));
  // UVC cameras often omit the Huffman tables: libjpeg-turbo falls back to the standard ones.
  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = JCS_RGB;
  jpeg_start_decompress(&cinfo);
  if (static_cast<int>(cinfo.output_width) != width || static_cast<int>(cinfo.output_height) != height ||
      cinfo.output_components != 3) {
    *error = "MJPEG frame is " + std::to_string(cinfo.output_width) + "x" + std::to_string(cinfo.output_height) +
             ", expected " + std::to_string(width) + "x" + std::to_string(height);
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = rgb + static_cast<size_t>(cinfo.output_scanline) * stride;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return true;
}

Napi::Value DecodeMjpegForTest(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsTypedArray() || !info[1].IsNumber() || !info[2].IsNumber()) {
    throw Napi::TypeError::New(env, "decodeMjpeg(jpeg: Uint8Array, width: number, height: number)");
  }
  Napi::Uint8Array jpeg = info[0].As<Napi::Uint8Array>();
  int width = info[1].As<Napi::Number>().Int32Value();
  int height = info[2].As<Napi::Number>().Int32Value();
  if (width <= 0 || height <= 0) throw Napi::RangeError::New(env, "width and height must be positive");
  Napi::Uint8Array out = Napi::Uint8Array::New(env, static_cast<size_t>(width) * height * 3);
  std::string error;
  MjpegDecoder decoder;
  if (!decoder.Decode(jpeg.Data(), jpeg.ByteLength(), out.Data(), width, height, width * 3, &error)) {
    throw Napi::Error::New(env, error);
  }
  return out;
}

}  // namespace vtlink
