# vtlink native addon: one module, build/Release/vtlink_native.node.
#
# Build: `npm ci` (npm runs the "install" script) or `npm run build:addon`.
# Exceptions: node-addon-api C++ exceptions (NAPI_CPP_EXCEPTIONS) everywhere: every error thrown in C++
# becomes a JS exception with its message.
# SIMD: the x86 SSE4.1 and AVX2 kernels live in their own static libraries so that only those files get
# -msse4.1 / -mavx2 -mfma / -mavx512*; the addon picks a level at run time (cpuid). Never compile the whole addon
# with -mavx2. On arm64 NEON is part of the base ISA, so the NEON kernels are plain sources.
{
  "variables": {
    # Capture backends: compiler and linker flags for GStreamer (filled by the capture backends, e.g.
    # "<!@(pkg-config --cflags gstreamer-app-1.0 gstreamer-video-1.0)").
    "capture_cflags%": ["<!@(pkg-config --cflags gstreamer-app-1.0 gstreamer-video-1.0)"],
    # libjpeg-turbo (Debian libjpeg62-turbo-dev) decodes MJPEG camera frames.
    "capture_libs%": ["<!@(pkg-config --libs gstreamer-app-1.0 gstreamer-video-1.0)", "-ljpeg"],
  },
  "target_defaults": {
    "cflags": ["-O3", "-fPIC", "-fvisibility=hidden"],
    "cflags!": ["-fno-exceptions"],
    "cflags_cc": ["-std=c++17", "-fexceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17", "-std=gnu++1y", "-std=gnu++20"],
    # NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS: a capture thread's last wake-up can run while Node tears
    # the environment down (process exit), when JS cannot run; without it node-addon-api turns the
    # unthrowable error into a C++ exception out of a C callback: std::terminate (test/capture-stall).
    "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
    "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "addon/src"],
  },
  "targets": [
    {
      "target_name": "vtlink_native",
      "sources": [
        "addon/src/addon.cc",
        # Argument readers shared by the bindings (numbers, typed arrays, camera frames).
        "addon/src/napi_args.cc",
        "addon/src/pixel_format.cc",
        # Kernels: scalar references, dispatch, bindings.
        "addon/src/kernels/simd_level.cc",
        "addon/src/kernels/preprocess_scalar.cc",
        "addon/src/kernels/preprocess_neon.cc",
        "addon/src/kernels/decode.cc",
        "addon/src/kernels/decode_retinaface.cc",
        "addon/src/kernels/decode_neon.cc",
        "addon/src/kernels/kernels_napi.cc",
        # System calls Node lacks.
        "addon/src/system/notify.cc",
        # Capture backends (addon/src/capture/**).
        "addon/src/capture/capture_napi.cc",
        "addon/src/capture/capture_stream.cc",
        "addon/src/capture/mailbox.cc",
        "addon/src/capture/mailbox_probe.cc",
        "addon/src/capture/gstreamer.cc",
        "addon/src/capture/v4l2.cc",
        "addon/src/capture/mjpeg.cc",
        # Camera preview JPEG (libjpeg-turbo compress, AsyncWorker).
        "addon/src/image/preview_jpeg.cc",
      ],
      "cflags": ["<@(capture_cflags)"],
      "libraries": ["<@(capture_libs)"],
      "conditions": [
        ["target_arch=='x64'", {
          "dependencies": ["vtlink_kernels_sse41", "vtlink_kernels_avx2", "vtlink_kernels_avx512"],
        }],
      ],
    },
  ],
  "conditions": [
    ["target_arch=='x64'", {
      "targets": [
        {
          "target_name": "vtlink_kernels_sse41",
          "type": "static_library",
          "sources": ["addon/src/kernels/preprocess_sse41.cc", "addon/src/kernels/decode_sse41.cc"],
          "cflags": ["-msse4.1"],
        },
        {
          "target_name": "vtlink_kernels_avx2",
          "type": "static_library",
          "sources": ["addon/src/kernels/preprocess_avx2.cc", "addon/src/kernels/decode_avx2.cc"],
          "cflags": ["-mavx2", "-mfma"],
        },
        {
          # Chosen only where cpuid reports F, BW, VL and VBMI (simd_level.cc); AVX2 stays the level
          # for every other x86-64 CPU.
          "target_name": "vtlink_kernels_avx512",
          "type": "static_library",
          "sources": ["addon/src/kernels/preprocess_avx512.cc"],
          "cflags": ["-mavx2", "-mfma", "-mavx512f", "-mavx512bw", "-mavx512vl", "-mavx512vbmi"],
        },
      ],
    }],
  ],
}
