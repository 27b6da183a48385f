// FKVS_ASSERT: an invariant of the native code. A broken one aborts with its place and text:
// going on would corrupt the connection table or the memory JS shares with us.
#pragma once

#include <cstdio>
#include <cstdlib>

#define FKVS_ASSERT(condition, message)                                                        \
  do {                                                                                         \
    if (!(condition)) {                                                                        \
      std::fprintf(stderr, "fkvs native: %s:%d: assertion failed: %s (%s)\n", __FILE__, __LINE__, \
                   #condition, message);                                                       \
      std::abort();                                                                            \
    }                                                                                          \
  } while (0)
