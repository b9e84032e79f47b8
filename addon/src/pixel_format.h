// The pixel layouts the addon reads and delivers: one enum for the capture backends and the kernels.
#pragma once

namespace vtlink {

enum class PixelFormat { Rgb, Bgr, Rgba, Yuyv, Nv12 };

// The format's name as the JS side spells it ("rgb", "bgr", "rgba", "yuyv", "nv12").
const char* PixelFormatName(PixelFormat format);

}  // namespace vtlink
