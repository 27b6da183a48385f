// adviseHugePages: madvise(MADV_HUGEPAGE) over the whole pages of an ArrayBuffer's memory, before
// it is first touched, so that the kernel backs it with 2 MiB pages where it can (THP "always" or
// "madvise"; nothing happens under "never"). One fault then maps 2 MiB instead of 4 KiB: on a VM
// whose host backs each new guest page on first touch, faults were a fifth of the time of SETs of
// fresh keys (docs/performance.md).
#include "huge_pages.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace fkvs {
namespace {

// Returns the bytes advised: 0 when the buffer holds no whole page or the kernel refused.
Napi::Value AdviseHugePages(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsArrayBuffer()) {
    Napi::TypeError::New(env, "adviseHugePages(buffer: ArrayBuffer)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::ArrayBuffer buffer = info[0].As<Napi::ArrayBuffer>();
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t start = reinterpret_cast<uintptr_t>(buffer.Data());
  const uintptr_t end = start + buffer.ByteLength();
  const uintptr_t first = (start + page - 1) & ~(page - 1);
  const uintptr_t last = end & ~(page - 1);
  if (last <= first) return Napi::Number::New(env, 0);
  if (madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE) != 0) {
    return Napi::Number::New(env, 0);
  }
  return Napi::Number::New(env, static_cast<double>(last - first));
}

}  // namespace

void RegisterHugePages(Napi::Env env, Napi::Object exports) {
  exports.Set("adviseHugePages", Napi::Function::New(env, AdviseHugePages, "adviseHugePages"));
}

}  // namespace fkvs
