#include "v4l2.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

#include "mjpeg.h"

namespace vtlink {

namespace {

int Ioctl(int fd, unsigned long request, void* arg) {
  int r;
  do {
    r = ioctl(fd, request, arg);
  } while (r == -1 && errno == EINTR);
  return r;
}

// "YUYV"; a big-endian variant (bit 31, V4L2_PIX_FMT_FLAG_BE_FOURCC) as "Y16 -BE", like v4l2-ctl: the
// flag is not a character (as one, it made the name invalid UTF-8).
std::string FourccText(uint32_t fourcc) {
  const bool bigEndian = (fourcc & (1u << 31)) != 0;
  std::string s(4, ' ');
  for (int i = 0; i < 4; i++) {
    const char c = static_cast<char>((fourcc >> (8 * i)) & (i == 3 ? 0x7f : 0xff));
    s[i] = c >= 0x20 && c < 0x7f ? c : '?';
  }
  return bigEndian ? s + "-BE" : s;
}

uint32_t FourccFromText(const std::string& s) {
  if (s.size() != 4) return 0;
  return v4l2_fourcc(s[0], s[1], s[2], s[3]);
}

uint32_t DeviceCaps(const v4l2_capability& cap) {
  return (cap.capabilities & V4L2_CAP_DEVICE_CAPS) ? cap.device_caps : cap.capabilities;
}

// Open and check a capture node. -1 with `failure` filled when it is missing or not a camera.
int OpenCaptureNode(const std::string& path, v4l2_capability* cap, OpenError* failure) {
  int fd = open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    failure->code = e == ENOENT ? "ENOENT" : "ECAPTURE";
    failure->message = path + ": cannot open (" + std::strerror(e) + ")";
    if (e == EACCES) failure->message += "; add the user to the 'video' group";
    return -1;
  }
  std::memset(cap, 0, sizeof(*cap));
  if (Ioctl(fd, VIDIOC_QUERYCAP, cap) < 0) {
    failure->code = "ENOTV4L2";
    failure->message = path + ": not a V4L2 device (" + std::strerror(errno) + ")";
    close(fd);
    return -1;
  }
  uint32_t caps = DeviceCaps(*cap);
  if (!(caps & V4L2_CAP_VIDEO_CAPTURE) || !(caps & V4L2_CAP_STREAMING)) {
    failure->code = "ENOTV4L2";
    failure->message = path + ": " + reinterpret_cast<const char*>(cap->card) +
                       " is not a single-planar streaming capture device (a metadata or output node?)";
    close(fd);
    return -1;
  }
  return fd;
}

class V4l2Backend : public CaptureBackend {
 public:
  ~V4l2Backend() override {
    // Started: the producer closed the device before it let go of the core that owns us.
    StopDevice();
    for (Mapping& m : maps_) {
      if (m.start != MAP_FAILED && m.start != nullptr) munmap(m.start, m.length);
    }
  }

  bool Open(const std::string& path, const Napi::Object& options, int bufferCount, OpenError* failure) {
    path_ = path;
    fd_ = OpenCaptureNode(path, &cap_, failure);
    if (fd_ < 0) return false;

    std::string fourccText = options.Get("fourcc").IsString() ? options.Get("fourcc").As<Napi::String>().Utf8Value() : "YUYV";
    uint32_t fourcc = FourccFromText(fourccText);
    if (fourcc != V4L2_PIX_FMT_YUYV && fourcc != V4L2_PIX_FMT_NV12 && fourcc != V4L2_PIX_FMT_MJPEG) {
      return Fail(failure, "EFORMAT", "format " + fourccText + " is not one vtlink reads (YUYV, NV12, MJPG)");
    }
    v4l2_format fmt{};
    fmt.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    fmt.fmt.pix.width = options.Get("width").IsNumber() ? options.Get("width").As<Napi::Number>().Uint32Value() : 640;
    fmt.fmt.pix.height = options.Get("height").IsNumber() ? options.Get("height").As<Napi::Number>().Uint32Value() : 480;
    fmt.fmt.pix.pixelformat = fourcc;
    fmt.fmt.pix.field = V4L2_FIELD_ANY;
    if (Ioctl(fd_, VIDIOC_S_FMT, &fmt) < 0) {
      return Fail(failure, errno == EBUSY ? "EBUSY" : "EFORMAT", "VIDIOC_S_FMT failed (" + std::string(std::strerror(errno)) + ")" +
                                                                   (errno == EBUSY ? ": the camera is in use by another program" : ""));
    }
    if (fmt.fmt.pix.pixelformat != fourcc) {
      return Fail(failure, "EFORMAT", "the driver gave " + FourccText(fmt.fmt.pix.pixelformat) + " when asked for " + fourccText);
    }
    fourcc_ = fourcc;
    width_ = static_cast<int>(fmt.fmt.pix.width);
    height_ = static_cast<int>(fmt.fmt.pix.height);
    bytesPerLine_ = static_cast<int>(fmt.fmt.pix.bytesperline);
    if (bytesPerLine_ == 0) bytesPerLine_ = fourcc == V4L2_PIX_FMT_YUYV ? width_ * 2 : width_;

    Napi::Value num = options.Get("intervalNumerator");
    Napi::Value den = options.Get("intervalDenominator");
    v4l2_streamparm parm{};
    parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (num.IsNumber() && den.IsNumber()) {
      parm.parm.capture.timeperframe.numerator = num.As<Napi::Number>().Uint32Value();
      parm.parm.capture.timeperframe.denominator = den.As<Napi::Number>().Uint32Value();
      Ioctl(fd_, VIDIOC_S_PARM, &parm);  // not every driver can set a rate; G_PARM says what it is
    }
    std::memset(&parm, 0, sizeof(parm));
    parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (Ioctl(fd_, VIDIOC_G_PARM, &parm) == 0 && parm.parm.capture.timeperframe.numerator > 0) {
      fps_ = static_cast<double>(parm.parm.capture.timeperframe.denominator) / parm.parm.capture.timeperframe.numerator;
    }

    v4l2_requestbuffers req{};
    req.count = static_cast<uint32_t>(bufferCount);
    req.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    req.memory = V4L2_MEMORY_MMAP;
    if (Ioctl(fd_, VIDIOC_REQBUFS, &req) < 0) return Fail(failure, "ECAPTURE", "VIDIOC_REQBUFS failed (" + std::string(std::strerror(errno)) + ")");
    if (req.count < 3) return Fail(failure, "ECAPTURE", "the driver gave only " + std::to_string(req.count) + " buffers (3 needed)");
    maps_.resize(req.count);
    for (uint32_t i = 0; i < req.count; i++) {
      v4l2_buffer buf{};
      buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
      buf.memory = V4L2_MEMORY_MMAP;
      buf.index = i;
      if (Ioctl(fd_, VIDIOC_QUERYBUF, &buf) < 0) return Fail(failure, "ECAPTURE", "VIDIOC_QUERYBUF failed (" + std::string(std::strerror(errno)) + ")");
      maps_[i].length = buf.length;
      maps_[i].start = mmap(nullptr, buf.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, buf.m.offset);
      if (maps_[i].start == MAP_FAILED) return Fail(failure, "ECAPTURE", "mmap of a capture buffer failed (" + std::string(std::strerror(errno)) + ")");
    }
    if (fourcc_ == V4L2_PIX_FMT_MJPEG) {
      // Decoded frames: lent + pending + the one being decoded (a fixed pool, reused).
      int decoded = bufferCount - 1;
      rgb_.assign(static_cast<size_t>(decoded), std::vector<uint8_t>(static_cast<size_t>(width_) * height_ * 3));
      for (int i = decoded - 1; i >= 0; i--) freeRgb_.push_back(i);
    }
    return true;
  }

  void Produce() override {
    // STREAMON here, not on the JS thread: some UVC drivers take their time negotiating bandwidth.
    for (size_t i = 0; i < maps_.size(); i++) Queue(static_cast<uint32_t>(i));
    v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (Ioctl(fd_, VIDIOC_STREAMON, &type) < 0) {
      mailbox_->Finish(std::string("VIDIOC_STREAMON failed (") + std::strerror(errno) + ")");
    } else {
      streaming_ = true;
      Run();
    }
    StopDevice();
  }

  // STREAMOFF and close, and let go of the driver's buffers. Closing the fd alone does not release
  // the device: each mmap of a buffer holds the open file, so the kernel keeps the node (and its
  // number) until the mappings go, i.e. until JS garbage-collects the stream. A camera unplugged and
  // plugged back in then came back as /dev/video1 (found by the boot test, with vivid). JS may still
  // hold a frame, so the mappings are not removed but replaced in place by anonymous pages
  // (MAP_FIXED: never a gap a reader could fault in): the device goes at once, a held frame reads
  // zeros instead of crashing. Idempotent.
  void StopDevice() {
    std::lock_guard<std::mutex> lock(fdMutex_);
    if (fd_ < 0) return;
    if (streaming_) {
      v4l2_buf_type type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
      Ioctl(fd_, VIDIOC_STREAMOFF, &type);
    }
    for (Mapping& m : maps_) {
      if (m.start == MAP_FAILED || m.start == nullptr) continue;
      void* anon = mmap(m.start, m.length, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (anon == MAP_FAILED) {  // cannot happen for a range we own; unmap rather than keep the device
        munmap(m.start, m.length);
        m.start = nullptr;
      }
    }
    close(fd_);
    fd_ = -1;
  }

  void Recycle(const NativeFrame& frame) override {
    if (frame.handle & kDecodedFlag) {
      if (frame.handle & kNoBuffer) return;
      std::lock_guard<std::mutex> lock(rgbMutex_);
      freeRgb_.push_back(static_cast<int>(frame.handle & ~(kDecodedFlag | kNoBuffer)));
      return;
    }
    std::lock_guard<std::mutex> lock(fdMutex_);
    if (fd_ >= 0 && !stopped_) Queue(static_cast<uint32_t>(frame.handle));
  }

  Napi::Value Describe(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("path", path_);
    o.Set("card", reinterpret_cast<const char*>(cap_.card));
    o.Set("driver", reinterpret_cast<const char*>(cap_.driver));
    o.Set("fourcc", FourccText(fourcc_));
    o.Set("width", width_);
    o.Set("height", height_);
    o.Set("bytesPerLine", bytesPerLine_);
    o.Set("fps", fps_ > 0 ? Napi::Number::New(env, fps_) : env.Null());
    o.Set("buffers", static_cast<double>(maps_.size()));
    return o;
  }

 private:
  static constexpr uintptr_t kDecodedFlag = uintptr_t(1) << 31;
  static constexpr uintptr_t kNoBuffer = uintptr_t(1) << 30;

  struct Mapping {
    void* start = nullptr;
    size_t length = 0;
  };

  bool Fail(OpenError* failure, const char* code, const std::string& why) {
    failure->code = code;
    failure->message = path_ + ": " + why;
    return false;
  }

  void Queue(uint32_t index) {
    v4l2_buffer buf{};
    buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    buf.memory = V4L2_MEMORY_MMAP;
    buf.index = index;
    Ioctl(fd_, VIDIOC_QBUF, &buf);
  }

  void Run() {
    pollfd pfd{fd_, POLLIN, 0};
    while (!stopped_) {
      int r = poll(&pfd, 1, 100);
      if (r < 0) {
        if (errno == EINTR) continue;
        return Lost("poll", errno);
      }
      if (r == 0) continue;
      v4l2_buffer buf{};
      buf.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
      buf.memory = V4L2_MEMORY_MMAP;
      if (Ioctl(fd_, VIDIOC_DQBUF, &buf) < 0) {
        if (errno == EAGAIN) {
          if (pfd.revents & (POLLERR | POLLHUP)) return Lost("poll", ENODEV);
          continue;
        }
        return Lost("VIDIOC_DQBUF", errno);
      }
      uint64_t sequence = sequence_++;
      if (buf.flags & V4L2_BUF_FLAG_ERROR) {  // a damaged frame the driver flagged: skip it
        Recycle(IndexFrame(buf.index));
        continue;
      }
      NativeFrame f;
      f.width = width_;
      f.height = height_;
      f.sequence = sequence;
      f.timestampMs = buf.timestamp.tv_sec * 1000.0 + buf.timestamp.tv_usec / 1000.0;
      auto* base = static_cast<uint8_t*>(maps_[buf.index].start);
      if (fourcc_ == V4L2_PIX_FMT_MJPEG) {
        DecodeInto(f, base, buf.bytesused);
        Recycle(IndexFrame(buf.index));  // the JPEG bytes are no longer needed
      } else {
        f.data = base;
        f.size = buf.bytesused ? buf.bytesused : maps_[buf.index].length;
        f.handle = buf.index;
        f.strides[0] = bytesPerLine_;
        if (fourcc_ == V4L2_PIX_FMT_NV12) {
          f.format = PixelFormat::Nv12;
          f.planes = 2;
          f.strides[1] = bytesPerLine_;
          f.offsets[1] = static_cast<size_t>(bytesPerLine_) * height_;
        } else {
          f.format = PixelFormat::Yuyv;
        }
      }
      mailbox_->Offer(std::move(f));
    }
  }

  NativeFrame IndexFrame(uint32_t index) {
    NativeFrame f;
    f.handle = index;
    return f;
  }

  void DecodeInto(NativeFrame& f, const uint8_t* jpeg, size_t size) {
    int index = -1;
    {
      std::lock_guard<std::mutex> lock(rgbMutex_);
      if (!freeRgb_.empty()) {
        index = freeRgb_.back();
        freeRgb_.pop_back();
      }
    }
    f.format = PixelFormat::Rgb;
    f.handle = kDecodedFlag | static_cast<uintptr_t>(index < 0 ? 0 : index);
    if (index < 0) {  // sized so this cannot happen; report rather than overwrite a lent frame
      f.error = "no free decode buffer";
      f.handle = kDecodedFlag | kNoBuffer;
      return;
    }
    std::vector<uint8_t>& out = rgb_[static_cast<size_t>(index)];
    std::string error;
    if (!decoder_.Decode(jpeg, size, out.data(), width_, height_, width_ * 3, &error)) {
      f.error = error;
      return;  // the error frame is released at once by the stream, which frees the buffer
    }
    f.data = out.data();
    f.size = out.size();
    f.strides[0] = width_ * 3;
  }

  void Lost(const char* call, int error) {
    std::string why;  // the stream's name is put in front by JS
    if (error == ENODEV || error == ENXIO || error == EIO) {
      why += "camera disconnected or stopped working (" + std::string(call) + ": " + std::strerror(error) + ")";
    } else {
      why += std::string(call) + " failed (" + std::strerror(error) + ")";
    }
    mailbox_->Finish(why);
  }

  std::string path_;
  int fd_ = -1;
  v4l2_capability cap_{};
  uint32_t fourcc_ = 0;
  int width_ = 0;
  int height_ = 0;
  int bytesPerLine_ = 0;
  double fps_ = 0;
  std::vector<Mapping> maps_;
  bool streaming_ = false;
  std::mutex fdMutex_;
  uint64_t sequence_ = 0;
  MjpegDecoder decoder_;
  std::vector<std::vector<uint8_t>> rgb_;
  std::vector<int> freeRgb_;
  std::mutex rgbMutex_;
};

Napi::Array Intervals(Napi::Env env, int fd, uint32_t fourcc, uint32_t width, uint32_t height) {
  Napi::Array list = Napi::Array::New(env);
  v4l2_frmivalenum ival{};
  ival.pixel_format = fourcc;
  ival.width = width;
  ival.height = height;
  for (ival.index = 0; Ioctl(fd, VIDIOC_ENUM_FRAMEINTERVALS, &ival) == 0; ival.index++) {
    Napi::Object o = Napi::Object::New(env);
    if (ival.type == V4L2_FRMIVAL_TYPE_DISCRETE) {
      o.Set("numerator", ival.discrete.numerator);
      o.Set("denominator", ival.discrete.denominator);
    } else {  // stepwise/continuous: report the fastest and the slowest
      o.Set("numerator", ival.stepwise.min.numerator);
      o.Set("denominator", ival.stepwise.min.denominator);
      o.Set("maxNumerator", ival.stepwise.max.numerator);
      o.Set("maxDenominator", ival.stepwise.max.denominator);
      list.Set(list.Length(), o);
      break;
    }
    list.Set(list.Length(), o);
  }
  return list;
}

Napi::Object DescribeDevice(Napi::Env env, const std::string& path, int fd, const v4l2_capability& cap) {
  Napi::Object device = Napi::Object::New(env);
  device.Set("path", path);
  device.Set("card", reinterpret_cast<const char*>(cap.card));
  device.Set("driver", reinterpret_cast<const char*>(cap.driver));
  device.Set("bus", reinterpret_cast<const char*>(cap.bus_info));
  Napi::Array formats = Napi::Array::New(env);
  v4l2_fmtdesc desc{};
  desc.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  for (desc.index = 0; Ioctl(fd, VIDIOC_ENUM_FMT, &desc) == 0; desc.index++) {
    Napi::Object format = Napi::Object::New(env);
    format.Set("fourcc", FourccText(desc.pixelformat));
    format.Set("description", reinterpret_cast<const char*>(desc.description));
    format.Set("compressed", (desc.flags & V4L2_FMT_FLAG_COMPRESSED) != 0);
    Napi::Array sizes = Napi::Array::New(env);
    v4l2_frmsizeenum size{};
    size.pixel_format = desc.pixelformat;
    for (size.index = 0; Ioctl(fd, VIDIOC_ENUM_FRAMESIZES, &size) == 0; size.index++) {
      Napi::Object s = Napi::Object::New(env);
      if (size.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
        s.Set("width", size.discrete.width);
        s.Set("height", size.discrete.height);
        s.Set("intervals", Intervals(env, fd, desc.pixelformat, size.discrete.width, size.discrete.height));
        sizes.Set(sizes.Length(), s);
      } else {  // one range: the negotiation clamps into it
        s.Set("width", size.stepwise.max_width);
        s.Set("height", size.stepwise.max_height);
        Napi::Object range = Napi::Object::New(env);
        range.Set("minWidth", size.stepwise.min_width);
        range.Set("maxWidth", size.stepwise.max_width);
        range.Set("stepWidth", size.stepwise.step_width);
        range.Set("minHeight", size.stepwise.min_height);
        range.Set("maxHeight", size.stepwise.max_height);
        range.Set("stepHeight", size.stepwise.step_height);
        s.Set("range", range);
        s.Set("intervals", Intervals(env, fd, desc.pixelformat, size.stepwise.max_width, size.stepwise.max_height));
        sizes.Set(sizes.Length(), s);
        break;
      }
    }
    format.Set("sizes", sizes);
    formats.Set(formats.Length(), format);
  }
  device.Set("formats", formats);
  return device;
}

}  // namespace

std::unique_ptr<CaptureBackend> CreateV4l2Backend(const std::string& path, const Napi::Object& options, int bufferCount,
                                                  OpenError* failure) {
  auto backend = std::make_unique<V4l2Backend>();
  if (!backend->Open(path, options, bufferCount, failure)) return nullptr;
  return backend;
}

Napi::Value ListV4l2Devices(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string dir = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "/dev";
  std::vector<std::pair<int, std::string>> nodes;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* entry = readdir(d)) {
      const char* name = entry->d_name;
      if (std::strncmp(name, "video", 5) != 0) continue;
      char* end = nullptr;
      long number = std::strtol(name + 5, &end, 10);
      if (end == name + 5 || *end != '\0') continue;
      nodes.emplace_back(static_cast<int>(number), dir + "/" + name);
    }
    closedir(d);
  }
  std::sort(nodes.begin(), nodes.end());
  Napi::Array devices = Napi::Array::New(env);
  for (const auto& node : nodes) {
    v4l2_capability cap{};
    OpenError failure;
    int fd = OpenCaptureNode(node.second, &cap, &failure);
    if (fd < 0) {
      if (failure.code == "ENOTV4L2") continue;  // metadata nodes of a UVC camera, not cameras
      Napi::Object o = Napi::Object::New(env);
      o.Set("path", node.second);
      o.Set("error", failure.message);
      o.Set("formats", Napi::Array::New(env));
      devices.Set(devices.Length(), o);
      continue;
    }
    devices.Set(devices.Length(), DescribeDevice(env, node.second, fd, cap));
    close(fd);
  }
  return devices;
}

}  // namespace vtlink
