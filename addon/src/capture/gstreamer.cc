#include "gstreamer.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <regex>
#include <vector>

namespace vtlink {

namespace {

std::once_flag gstInitOnce;
std::string gstInitError;

bool EnsureGstreamer(std::string* error) {
  std::call_once(gstInitOnce, [] {
    GError* err = nullptr;
    if (!gst_init_check(nullptr, nullptr, &err)) {
      gstInitError = std::string("GStreamer failed to initialise: ") + (err ? err->message : "unknown error");
      if (err) g_error_free(err);
    }
  });
  if (!gstInitError.empty()) {
    *error = gstInitError;
    return false;
  }
  return true;
}

// The appsink caps when the pipeline sets none: the layouts the preprocessing kernels read.
constexpr const char* kSinkCaps = "video/x-raw, format=(string){ NV12, YUY2, RGB, BGR, RGBA }";

bool MapFormat(GstVideoFormat format, PixelFormat* out) {
  switch (format) {
    case GST_VIDEO_FORMAT_NV12: *out = PixelFormat::Nv12; return true;
    case GST_VIDEO_FORMAT_YUY2: *out = PixelFormat::Yuyv; return true;
    case GST_VIDEO_FORMAT_RGB: *out = PixelFormat::Rgb; return true;
    case GST_VIDEO_FORMAT_BGR: *out = PixelFormat::Bgr; return true;
    case GST_VIDEO_FORMAT_RGBA: *out = PixelFormat::Rgba; return true;
    default: return false;
  }
}

std::string LastLine(const char* text) {
  if (!text) return "";
  std::string s(text);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  size_t nl = s.rfind('\n');
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

// All appsinks anywhere in the bin (nested bins included).
std::vector<GstElement*> FindAppSinks(GstBin* bin) {
  std::vector<GstElement*> sinks;
  GstIterator* it = gst_bin_iterate_recurse(bin);
  GValue item = G_VALUE_INIT;
  while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
    auto* element = GST_ELEMENT(g_value_get_object(&item));
    if (GST_IS_APP_SINK(element)) sinks.push_back(element);
    g_value_reset(&item);
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  return sinks;
}

GstElement* Parse(const std::string& description, std::string* error) {
  GError* err = nullptr;
  GstElement* element = gst_parse_launch_full(description.c_str(), nullptr, GST_PARSE_FLAG_FATAL_ERRORS, &err);
  if (err) {
    *error = std::string("GStreamer cannot build the pipeline: ") + err->message;
    g_error_free(err);
    if (element) gst_object_unref(element);
    return nullptr;
  }
  if (!element) {
    *error = "GStreamer cannot build the pipeline";
    return nullptr;
  }
  if (!GST_IS_PIPELINE(element)) {  // a single element: put it in a pipeline of its own
    GstElement* pipeline = gst_pipeline_new(nullptr);
    gst_bin_add(GST_BIN(pipeline), element);
    element = pipeline;
  }
  return element;
}

// One mapped buffer lent out: kept in a small fixed pool so no frame allocates. The buffer, not its
// sample, is held: appsink reuses its one sample object and must find it writable (a held sample made
// GStreamer 1.22 warn "gst_sample_set_caps: assertion 'gst_sample_is_writable'" on a caps change).
struct Mapped {
  GstBuffer* buffer = nullptr;
  GstMapInfo map{};
};

class GstBackend : public CaptureBackend {
 public:
  GstBackend(GstElement* pipeline, GstElement* sink, std::string description, bool appended, bool autoDelivery, bool loop, int poolSize)
      : pipeline_(pipeline), sink_(sink), description_(std::move(description)), appended_(appended), autoDelivery_(autoDelivery), loop_(loop), pool_(poolSize) {
    for (int i = poolSize - 1; i >= 0; i--) free_.push_back(i);
  }

  ~GstBackend() override {
    // Started: the producer set the pipeline to NULL before it let go of the core that owns us.
    // Never started: it is still in NULL (parsing starts nothing), so this returns at once.
    if (!launched_ && pipeline_) gst_element_set_state(pipeline_, GST_STATE_NULL);
    if (lastCaps_) gst_caps_unref(lastCaps_);
    if (sink_) gst_object_unref(sink_);
    if (pipeline_) gst_object_unref(pipeline_);
  }

  void Recycle(const NativeFrame& frame) override {
    auto index = static_cast<int>(frame.handle);
    Mapped& m = pool_[index];
    gst_buffer_unmap(m.buffer, &m.map);
    gst_buffer_unref(m.buffer);
    m.buffer = nullptr;
    std::lock_guard<std::mutex> lock(poolMutex_);
    free_.push_back(index);
  }

  int ReadNativeByte(const NativeFrame& frame, size_t offset) override {
    // Map the buffer again through GStreamer's API: its view of the memory, not our pointer.
    GstBuffer* buffer = pool_[static_cast<int>(frame.handle)].buffer;
    GstMapInfo map;
    if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return -1;
    int value = offset < map.size ? map.data[offset] : -1;
    gst_buffer_unmap(buffer, &map);
    return value;
  }

  Napi::Value Describe(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("pipeline", description_);
    o.Set("appendedSink", appended_);
    o.Set("everyFrame", mailbox_ && mailbox_->delivery() == Delivery::kEvery);
    o.Set("live", live_.load());
    o.Set("loop", loop_ && !live_);
    o.Set("loops", static_cast<double>(loops_.load()));
    double fps = fps_.load();
    o.Set("fps", fps > 0 ? Napi::Number::New(env, fps) : env.Null());
    gint64 duration = -1;
    // Only once the producer has the pipeline running: a query on a pipeline still starting could
    // wait on the state change the producer thread is blocked in.
    if (running_ && !stopped_ && gst_element_query_duration(pipeline_, GST_FORMAT_TIME, &duration) && duration >= 0) {
      o.Set("durationMs", static_cast<double>(duration) / 1e6);
    } else {
      o.Set("durationMs", env.Null());
    }
    return o;
  }

 private:
  void Produce() override {
    GstBus* bus = gst_element_get_bus(pipeline_);
    // PAUSED first: a live source (camera, videotestsrc is-live=true) answers NO_PREROLL. This may
    // block (filesrc opens a FIFO here, which waits for a writer): that is why it runs here, on the
    // producer thread. A failure (missing file, device busy) is posted on the bus, read below.
    GstStateChangeReturn paused = gst_element_set_state(pipeline_, GST_STATE_PAUSED);
    if (paused == GST_STATE_CHANGE_FAILURE) {
      if (!CheckBus(bus)) mailbox_->Finish("GStreamer could not start the pipeline (no error message was posted)");
    } else if (!stopped_) {
      live_ = paused == GST_STATE_CHANGE_NO_PREROLL;
      if (autoDelivery_) mailbox_->SetDelivery(live_ ? Delivery::kLatest : Delivery::kEvery);
      gst_element_set_state(pipeline_, GST_STATE_PLAYING);
      running_ = true;
      Run(bus);
    }
    gst_object_unref(bus);
    // Waits for the streaming threads: as long as a stalled source stays stuck in read().
    gst_element_set_state(pipeline_, GST_STATE_NULL);
  }

  void Run(GstBus* bus) {
    while (!stopped_) {
      if (CheckBus(bus)) break;
      GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink_), 50 * GST_MSECOND);
      if (!sample) {
        if (gst_app_sink_is_eos(GST_APP_SINK(sink_))) {
          if (CheckBus(bus)) break;
          if (loop_ && !live_ && Rewind()) continue;
          mailbox_->Finish("");
          break;
        }
        continue;
      }
      if (!Deliver(sample)) break;
    }
  }

  // Looping a file: back to its start in the same pipeline (no new decoder, threads or buffer
  // pools, which re-opening the file costs). The flush clears the appsink's EOS. False when the
  // pipeline cannot seek (the stream then ends as without `loop`).
  bool Rewind() {
    if (!gst_element_seek_simple(pipeline_, GST_FORMAT_TIME, static_cast<GstSeekFlags>(GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT), 0)) {
      return false;
    }
    loops_++;
    rebase_ = true;
    return true;
  }

  // True when the bus says the pipeline failed (the mailbox is finished with its message).
  bool CheckBus(GstBus* bus) {
    GstMessage* msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
    if (!msg) return false;
    GError* err = nullptr;
    gchar* debug = nullptr;
    gst_message_parse_error(msg, &err, &debug);
    std::string why = std::string("GStreamer error from ") + GST_OBJECT_NAME(msg->src) + ": " + (err ? err->message : "unknown");
    std::string detail = LastLine(debug);
    if (!detail.empty()) why += " (" + detail + ")";
    if (err && err->domain == GST_STREAM_ERROR && err->code == GST_STREAM_ERROR_FORMAT) {
      why += "; the appsink takes video/x-raw NV12, YUY2, RGB, BGR or RGBA: put `videoconvert !` before it";
    } else if (debug && std::string(debug).find("not-negotiated") != std::string::npos) {
      why += "; caps not negotiated: the appsink takes video/x-raw NV12, YUY2, RGB, BGR or RGBA (add `videoconvert !`)";
    }
    if (err) g_error_free(err);
    g_free(debug);
    gst_message_unref(msg);
    mailbox_->Finish(why);
    return true;
  }

  // A looped file's times go on from where the previous pass ended (one frame after its last), so
  // time never runs backwards for the consumer's filters.
  double Continued(double ptsMs, GstBuffer* buffer) {
    if (rebase_) {
      rebase_ = false;
      offsetMs_ = endMs_ - ptsMs;
    }
    double t = ptsMs + offsetMs_;
    GstClockTime duration = GST_BUFFER_DURATION(buffer);
    double fps = fps_.load();
    double frameMs = GST_CLOCK_TIME_IS_VALID(duration) ? static_cast<double>(duration) / 1e6 : fps > 0 ? 1000.0 / fps : 0;
    endMs_ = std::max(endMs_, t + frameMs);
    return t;
  }

  // False when the source must stop (unsupported format: the mailbox is finished).
  bool Deliver(GstSample* sample) {
    GstCaps* caps = gst_sample_get_caps(sample);
    if (caps != lastCaps_) {
      if (!caps || !gst_video_info_from_caps(&info_, caps) || !MapFormat(GST_VIDEO_INFO_FORMAT(&info_), &format_)) {
        gchar* text = caps ? gst_caps_to_string(caps) : nullptr;
        mailbox_->Finish(std::string("GStreamer appsink got caps it cannot deliver: ") + (text ? text : "none") +
                         "; end the pipeline with `videoconvert ! video/x-raw,format=NV12 ! appsink`");
        g_free(text);
        gst_sample_unref(sample);
        return false;
      }
      gst_caps_replace(&lastCaps_, caps);  // our own ref: a freed caps' address cannot come back as "unchanged"
      if (GST_VIDEO_INFO_FPS_N(&info_) > 0 && GST_VIDEO_INFO_FPS_D(&info_) > 0) {
        fps_ = static_cast<double>(GST_VIDEO_INFO_FPS_N(&info_)) / GST_VIDEO_INFO_FPS_D(&info_);
      }
    }
    int index;
    {
      std::lock_guard<std::mutex> lock(poolMutex_);
      if (free_.empty()) {
        index = -1;
      } else {
        index = free_.back();
        free_.pop_back();
      }
    }
    uint64_t sequence = sequence_++;
    if (index < 0) {  // cannot happen with the pool sized for lent + pending + in hand; drop safely
      gst_sample_unref(sample);
      return true;
    }
    Mapped& m = pool_[index];
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    if (buffer) gst_buffer_ref(buffer);
    gst_sample_unref(sample);
    m.buffer = buffer;
    if (!buffer || !gst_buffer_map(buffer, &m.map, GST_MAP_READ)) {
      if (buffer) gst_buffer_unref(buffer);
      m.buffer = nullptr;
      std::lock_guard<std::mutex> lock(poolMutex_);
      free_.push_back(index);
      mailbox_->Finish("GStreamer: cannot map a frame buffer for reading");
      return false;
    }
    NativeFrame f;
    f.data = m.map.data;
    f.size = m.map.size;
    f.width = GST_VIDEO_INFO_WIDTH(&info_);
    f.height = GST_VIDEO_INFO_HEIGHT(&info_);
    f.format = format_;
    f.planes = format_ == PixelFormat::Nv12 ? 2 : 1;
    // A video meta (from hardware decoders, padded pools) overrides the caps' default layout.
    GstVideoMeta* meta = gst_buffer_get_video_meta(buffer);
    for (int p = 0; p < f.planes; p++) {
      f.strides[p] = meta ? meta->stride[p] : GST_VIDEO_INFO_PLANE_STRIDE(&info_, p);
      f.offsets[p] = meta ? meta->offset[p] : GST_VIDEO_INFO_PLANE_OFFSET(&info_, p);
    }
    GstClockTime pts = GST_BUFFER_PTS(buffer);
    f.timestampMs = GST_CLOCK_TIME_IS_VALID(pts) ? Continued(static_cast<double>(pts) / 1e6, buffer) : NAN;
    f.sequence = sequence;
    f.handle = static_cast<uintptr_t>(index);
    mailbox_->Offer(std::move(f));  // recycles it itself when closed
    return true;
  }

  GstElement* pipeline_;
  GstElement* sink_;
  const std::string description_;
  const bool appended_;
  const bool autoDelivery_;
  const bool loop_;
  std::atomic<bool> live_{false};  // set by the producer before its first frame, read by Describe
  std::atomic<bool> running_{false};
  std::atomic<uint64_t> loops_{0};
  bool rebase_ = false;
  double offsetMs_ = 0;
  double endMs_ = 0;
  std::atomic<double> fps_{0};
  uint64_t sequence_ = 0;
  GstCaps* lastCaps_ = nullptr;
  GstVideoInfo info_{};
  PixelFormat format_ = PixelFormat::Rgb;
  std::vector<Mapped> pool_;
  std::mutex poolMutex_;
  std::vector<int> free_;
};

}  // namespace

std::unique_ptr<CaptureBackend> CreateGstBackend(const std::string& pipeline, const Napi::Object& options, OpenError* failure) {
  std::string* error = &failure->message;
  if (!EnsureGstreamer(error)) return nullptr;
  // Decided on the text, before parsing: a pipeline may end in caps ("... ! video/x-raw,format=NV12"),
  // which only parses with an element after it.
  bool appended = !std::regex_search(pipeline, std::regex("(^|[\\s!])appsink([\\s!]|$)"));
  std::string description = appended ? pipeline + " ! appsink name=vtlink" : pipeline;
  GstElement* bin = Parse(description, error);
  if (!bin) return nullptr;
  std::vector<GstElement*> sinks = FindAppSinks(GST_BIN(bin));
  GstElement* sink = nullptr;
  if (sinks.size() == 1) {
    sink = sinks[0];
  } else {
    for (GstElement* s : sinks) {
      if (std::string(GST_OBJECT_NAME(s)) == "vtlink") sink = s;
    }
  }
  if (!sink) {
    *error = "GStreamer pipeline has " + std::to_string(sinks.size()) + " appsinks: name the one to read `appsink name=vtlink`";
    gst_object_unref(bin);
    return nullptr;
  }
  gst_object_ref(sink);

  GstCaps* userCaps = nullptr;
  g_object_get(sink, "caps", &userCaps, nullptr);
  if (userCaps) {
    gst_caps_unref(userCaps);
  } else {
    GstCaps* caps = gst_caps_from_string(kSinkCaps);
    g_object_set(sink, "caps", caps, nullptr);
    gst_caps_unref(caps);
  }
  Napi::Value syncOption = options.Get("sync");
  bool sync = syncOption.IsBoolean() && syncOption.As<Napi::Boolean>().Value();
  // One buffer and no dropping in the appsink: in every-frame mode the pipeline waits for the
  // consumer (files); in latest-frame mode our thread pulls at once and drops, counted, in the
  // mailbox, never silently in the appsink.
  g_object_set(sink, "emit-signals", FALSE, "sync", sync ? TRUE : FALSE, "max-buffers", 1u, "drop", FALSE,
               "enable-last-sample", FALSE, nullptr);

  Napi::Value lentOption = options.Get("maxLent");
  int maxLent = lentOption.IsNumber() ? lentOption.As<Napi::Number>().Int32Value() : 2;
  bool autoDelivery = !options.Get("everyFrame").IsBoolean();
  Napi::Value loopOption = options.Get("loop");
  bool loop = loopOption.IsBoolean() && loopOption.As<Napi::Boolean>().Value();
  return std::make_unique<GstBackend>(bin, sink, description, appended, autoDelivery, loop, maxLent + 3);
}

Napi::Value GstreamerInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  std::string error;
  bool ok = EnsureGstreamer(&error);
  o.Set("available", ok);
  if (!ok) {
    o.Set("error", error);
    return o;
  }
  gchar* version = gst_version_string();
  o.Set("version", version);
  g_free(version);
  Napi::Object elements = Napi::Object::New(env);
  for (const char* name : {"appsink", "videotestsrc", "filesrc", "decodebin", "videoconvert", "v4l2src", "nvarguscamerasrc", "nvvidconv"}) {
    GstElementFactory* factory = gst_element_factory_find(name);
    elements.Set(name, factory != nullptr);
    if (factory) gst_object_unref(factory);
  }
  o.Set("elements", elements);
  return o;
}

}  // namespace vtlink
