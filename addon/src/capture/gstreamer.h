// GStreamer appsink capture backend.
#pragma once

#include <napi.h>

#include <memory>
#include <string>

#include "backend.h"

namespace vtlink {

// Parse and start `pipeline` (GStreamer launch syntax). The frames come from its appsink: the one
// named "vtlink", or the only appsink; a pipeline without one gets ` ! appsink name=vtlink`
// appended. Options: `sync` (boolean, default false: as fast as the source gives frames);
// `everyFrame` true/false, or absent: every frame for a non-live pipeline (files), latest frame
// for a live one (cameras, is-live sources); `loop` (boolean, default false): a non-live pipeline
// (a file) seeks back to its start at its end instead of ending, its timestamps going on increasing,
// and `info().loops` counts the passes restarted.
// Returns null with `*error` set (GStreamer's own parse message) when it cannot be built.
std::unique_ptr<CaptureBackend> CreateGstBackend(const std::string& pipeline, const Napi::Object& options, OpenError* failure);

// { available, version, error?, elements: { name: boolean } } for `vtlink devices`.
Napi::Value GstreamerInfo(const Napi::CallbackInfo& info);

}  // namespace vtlink
