// Transparent huge pages for memory JS owns (the store's arena chunks).
#pragma once

#include <napi.h>

namespace fkvs {

// Adds adviseHugePages(buffer: ArrayBuffer): number to the module's exports.
void RegisterHugePages(Napi::Env env, Napi::Object exports);

}  // namespace fkvs
