#include "image/preview_jpeg.h"

#include <algorithm>
#include <cmath>
#include <csetjmp>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "image/jpeg_error.h"
#include "napi_args.h"

namespace vtlink {

namespace {

uint8_t Clamp8(double v) { return static_cast<uint8_t>(v < 0 ? 0 : v > 255 ? 255 : std::lround(v)); }

// Sums of the cell [x0, x1) x [y0, y1) in the frame's own channels (R G B, or Y U V), per pixel.
void CellSums(const FrameView& f, int x0, int x1, int y0, int y1, double sums[3]) {
  uint64_t a = 0, b = 0, c = 0;
  for (int y = y0; y < y1; y++) {
    const uint8_t* row = f.plane0 + static_cast<size_t>(y) * f.stride0;
    switch (f.format) {
      case PixelFormat::Rgb:
      case PixelFormat::Bgr:
        for (int x = x0; x < x1; x++) { a += row[x * 3]; b += row[x * 3 + 1]; c += row[x * 3 + 2]; }
        break;
      case PixelFormat::Rgba:
        for (int x = x0; x < x1; x++) { a += row[x * 4]; b += row[x * 4 + 1]; c += row[x * 4 + 2]; }
        break;
      case PixelFormat::Yuyv:
        // Y0 U Y1 V: pixel x has luma at 2x and the chroma of its pair.
        for (int x = x0; x < x1; x++) {
          const uint8_t* pair = row + (x >> 1) * 4;
          a += row[x * 2]; b += pair[1]; c += pair[3];
        }
        break;
      case PixelFormat::Nv12: {
        const uint8_t* uv = f.plane1 + static_cast<size_t>(y >> 1) * f.stride1;
        for (int x = x0; x < x1; x++) { a += row[x]; b += uv[(x >> 1) * 2]; c += uv[(x >> 1) * 2 + 1]; }
        break;
      }
    }
  }
  const double n = static_cast<double>(x1 - x0) * (y1 - y0);
  sums[0] = a / n; sums[1] = b / n; sums[2] = c / n;
}

}  // namespace

void PreviewSize(int width, int height, int maxWidth, int* outWidth, int* outHeight) {
  const double scale = std::min(1.0, static_cast<double>(std::max(1, maxWidth)) / width);
  *outWidth = std::max(1, static_cast<int>(std::lround(width * scale)));
  *outHeight = std::max(1, static_cast<int>(std::lround(height * scale)));
}

void DownscaleToRgb(const FrameView& f, int outW, int outH, uint8_t* rgb) {
  double s[3];
  for (int y = 0; y < outH; y++) {
    const int y0 = static_cast<int>(static_cast<int64_t>(y) * f.height / outH);
    const int y1 = std::max(y0 + 1, static_cast<int>(static_cast<int64_t>(y + 1) * f.height / outH));
    for (int x = 0; x < outW; x++) {
      const int x0 = static_cast<int>(static_cast<int64_t>(x) * f.width / outW);
      const int x1 = std::max(x0 + 1, static_cast<int>(static_cast<int64_t>(x + 1) * f.width / outW));
      CellSums(f, x0, x1, y0, y1, s);
      uint8_t* o = rgb + (static_cast<size_t>(y) * outW + x) * 3;
      if (f.format == PixelFormat::Yuyv || f.format == PixelFormat::Nv12) {
        // BT.601 limited range, as addon/src/kernels/preprocess.h. Conversion is linear, so averaging
        // Y, U, V first equals converting each pixel first except where a pixel leaves the gamut.
        const double yy = 1.164383 * (s[0] - 16), u = s[1] - 128, v = s[2] - 128;
        o[0] = Clamp8(yy + 1.596027 * v);
        o[1] = Clamp8(yy - 0.391762 * u - 0.812968 * v);
        o[2] = Clamp8(yy + 2.017232 * u);
      } else if (f.format == PixelFormat::Bgr) {
        o[0] = Clamp8(s[2]); o[1] = Clamp8(s[1]); o[2] = Clamp8(s[0]);
      } else {
        o[0] = Clamp8(s[0]); o[1] = Clamp8(s[1]); o[2] = Clamp8(s[2]);
      }
    }
  }
}

bool EncodeRgbJpeg(const uint8_t* rgb, int width, int height, int quality, std::vector<uint8_t>* out, std::string* error) {
  jpeg_compress_struct cinfo;
  JpegErrorManager manager;
  // volatile: read after a longjmp back into this frame.
  unsigned char* volatile mem = nullptr;
  unsigned long memSize = 0;
  cinfo.err = InitJpegErrorManager(&manager);
  // No C++ objects with destructors are created between setjmp and a longjmp into it.
  if (setjmp(manager.jump)) {
    *error = std::string("JPEG encode failed: ") + manager.message;
    jpeg_destroy_compress(&cinfo);
    std::free(mem);
    return false;
  }
  jpeg_create_compress(&cinfo);
  unsigned char* buffer = nullptr;
  jpeg_mem_dest(&cinfo, &buffer, &memSize);
  cinfo.image_width = static_cast<JDIMENSION>(width);
  cinfo.image_height = static_cast<JDIMENSION>(height);
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(rgb + static_cast<size_t>(cinfo.next_scanline) * width * 3);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  mem = buffer;
  jpeg_destroy_compress(&cinfo);
  out->assign(mem, mem + memSize);
  std::free(mem);
  return true;
}

namespace {

// Execute() runs on the libuv pool and touches only the job's own memory; errors travel as a string
// and become a JS Error in OnError(); the JPEG bytes become a Buffer in OnOK().
class PreviewJpegWorker : public Napi::AsyncWorker {
 public:
  PreviewJpegWorker(Napi::Env env, PreviewJpegOptions options)
      : Napi::AsyncWorker(env, "vtlink:encodePreviewJpeg"), options_(std::move(options)), deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    const PreviewJpegOptions& o = options_;
    FrameView f{o.format, o.width, o.height, o.pixels.data(), o.stride0, nullptr, o.stride1};
    if (o.format == PixelFormat::Nv12) f.plane1 = o.pixels.data() + static_cast<size_t>(o.stride0) * o.height;
    int w = 0, h = 0;
    PreviewSize(o.width, o.height, o.maxWidth, &w, &h);
    std::vector<uint8_t> rgb(static_cast<size_t>(w) * h * 3);
    DownscaleToRgb(f, w, h, rgb.data());
    std::string error;
    if (!EncodeRgbJpeg(rgb.data(), w, h, o.quality, &jpeg_, &error)) SetError(error);
  }

  void OnOK() override { deferred_.Resolve(Napi::Buffer<uint8_t>::Copy(Env(), jpeg_.data(), jpeg_.size())); }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  PreviewJpegOptions options_;
  std::vector<uint8_t> jpeg_;
  Napi::Promise::Deferred deferred_;
};

// encodePreviewJpeg(data, format, width, height, offset0, stride0, offset1, stride1, maxWidth, quality)
Napi::Value EncodePreviewJpegJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const FrameView f = FrameArgs(info, 0);
  const int maxWidth = IntegerArg(info, 8, "maxWidth", 1, 1 << 15);
  const int quality = IntegerArg(info, 9, "quality", 1, 100);
  // The frame may be a lent capture buffer that is recycled (and detached) as soon as the consumer asks
  // for the next frame, possibly before the worker runs; holding a reference to its ArrayBuffer would
  // not stop that. So the planes are copied here, synchronously, into memory the job owns (a memcpy per
  // row: ~0.2 ms for 1280x720 YUYV), and the worker never reads the JS buffer. The downscale (a full box
  // filter, ~5-20 ms) and the encode both run in the worker.
  PreviewJpegOptions options;
  options.format = f.format;
  options.width = f.width;
  options.height = f.height;
  options.maxWidth = maxWidth;
  options.quality = quality;
  options.stride0 = f.width * FrameBytesPerPixel(f.format);
  options.stride1 = f.format == PixelFormat::Nv12 ? f.width : 0;
  const size_t size0 = static_cast<size_t>(options.stride0) * f.height;
  options.pixels.resize(size0 + static_cast<size_t>(options.stride1) * (f.height / 2));
  for (int y = 0; y < f.height; y++) {
    std::memcpy(options.pixels.data() + static_cast<size_t>(y) * options.stride0, f.plane0 + static_cast<size_t>(y) * f.stride0, options.stride0);
  }
  for (int y = 0; y < f.height / 2 && options.stride1 > 0; y++) {
    std::memcpy(options.pixels.data() + size0 + static_cast<size_t>(y) * options.stride1, f.plane1 + static_cast<size_t>(y) * f.stride1, options.stride1);
  }
  auto* worker = new PreviewJpegWorker(env, std::move(options));
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

}  // namespace

void InitPreviewJpeg(Napi::Env env, Napi::Object exports) {
  exports.Set("encodePreviewJpeg", Napi::Function::New(env, EncodePreviewJpegJs, "encodePreviewJpeg"));
}

}  // namespace vtlink
