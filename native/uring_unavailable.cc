// Built instead of uring_backend.cc when liburing was missing at build time.
#include "backend.h"

namespace fkvs {

Backend* new_uring_backend(const BackendOptions&, std::string* error) {
  *error = "this build has no io_uring support (liburing-dev was not installed when the addon was built)";
  return nullptr;
}

}  // namespace fkvs
