{
  "variables": {
    "have_liburing%": "<!(test -f /usr/include/liburing.h && echo 1 || echo 0)",
    "fkvs_coverage%": "false"
  },
  "targets": [
    {
      "target_name": "fkvs_native",
      "sources": ["native/addon.cc", "native/epoll_backend.cc", "native/huge_pages.cc", "native/sockets.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=9", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [
        ["have_liburing==1", {
          "sources": ["native/uring_backend.cc"],
          "defines": ["FKVS_HAVE_LIBURING"],
          "libraries": ["-luring"]
        }, {
          "sources": ["native/uring_unavailable.cc"]
        }],
        ["fkvs_coverage=='true'", {
          "cflags_cc": ["--coverage", "-O0"],
          "ldflags": ["--coverage"]
        }]
      ]
    }
  ]
}
