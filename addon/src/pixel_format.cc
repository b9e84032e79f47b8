#include "pixel_format.h"

namespace vtlink {

const char* PixelFormatName(PixelFormat format) {
  switch (format) {
    case PixelFormat::Rgb: return "rgb";
    case PixelFormat::Bgr: return "bgr";
    case PixelFormat::Rgba: return "rgba";
    case PixelFormat::Yuyv: return "yuyv";
    case PixelFormat::Nv12: return "nv12";
  }
  return "unknown";
}

}  // namespace vtlink
