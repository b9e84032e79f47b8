// The libjpeg error plumbing shared by the MJPEG decoder (capture/mjpeg.cc) and the preview encoder
// (image/preview_jpeg.cc): libjpeg's default error_exit calls exit(), so errors longjmp back to the
// caller's setjmp with the formatted message instead, and warnings are silenced.
#pragma once

#include <csetjmp>
#include <cstdio>

// jpeglib.h needs FILE and size_t declared first.
#include <jpeglib.h>

namespace vtlink {

struct JpegErrorManager {
  jpeg_error_mgr base;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

inline void JpegErrorExit(j_common_ptr cinfo) {
  auto* manager = reinterpret_cast<JpegErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, manager->message);
  std::longjmp(manager->jump, 1);
}

// Warnings (e.g. "premature end of data segment" on a cut frame) would go to stderr: keep quiet,
// the frame is judged by whether it decodes / encodes.
inline void JpegQuietMessage(j_common_ptr, int) {}

// Fills `manager` and returns the pointer to store in cinfo.err. The caller still calls
// setjmp(manager->jump) itself: the jump target must be a frame that is live when libjpeg fails.
inline jpeg_error_mgr* InitJpegErrorManager(JpegErrorManager* manager) {
  jpeg_error_mgr* err = jpeg_std_error(&manager->base);
  manager->base.error_exit = JpegErrorExit;
  manager->base.emit_message = JpegQuietMessage;
  manager->message[0] = '\0';
  return err;
}

}  // namespace vtlink
