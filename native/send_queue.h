// A connection's send queue: copied reply bytes with pinned pieces between them. A pinned piece is
// memory JS keeps alive for the backend (a large value of the store, sent without a copy) until
// the backend gives its token back through an Unpinner, once the kernel has taken every byte of
// it or the connection is gone and no operation of the kernel reads it any more.
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "assert.h"
#include "limits.h"

namespace fkvs {

// Gives a pinned piece's memory back to its owner (the addon: deletes the JS reference).
struct Unpinner {
  void (*release)(void* context, void* token, size_t length) = nullptr;
  void* context = nullptr;
  void operator()(void* token, size_t length) const {
    if (release != nullptr) release(context, token, length);
  }
};

// Memory sent by reference, placed before byte `at` of its part's copied bytes.
struct PinnedPiece {
  size_t at;
  const uint8_t* data;
  size_t length;
  void* token;
};

// Bytes in stream order: bytes[0, pins[0].at), pins[0], bytes[pins[0].at, pins[1].at), ... the rest.
struct SendPart {
  std::vector<uint8_t> bytes;
  std::vector<PinnedPiece> pins;
  size_t pinned_bytes = 0;

  size_t size() const { return bytes.size() + pinned_bytes; }

  void unpin_all(const Unpinner& unpin) {
    for (const PinnedPiece& piece : pins) unpin(piece.token, piece.length);
    pins.clear();
    pinned_bytes = 0;
  }
};

// The iovecs of a send with pinned pieces: io_uring's SENDMSG reads them until its completion, so
// they live on the heap (a queue moved to the graveyard keeps them where they are).
struct SendVector {
  msghdr message{};
  iovec parts[kMaxSendIovecs];
};

// Bytes waiting to be sent. `sending` is what an operation in flight reads (never touched while
// it flies); new bytes go to `queued`, which becomes `sending` when the flight lands.
struct SendQueue {
  SendPart sending;
  size_t sent = 0;  // bytes of `sending`, in stream order, already taken by the kernel
  SendPart queued;
  bool in_flight = false;
  std::unique_ptr<SendVector> vector;  // made at the first send with pinned pieces, then kept

  size_t pending() const { return sending.size() - sent + queued.size(); }

  void queue_pinned(const uint8_t* data, size_t length, void* token) {
    queued.pins.push_back(PinnedPiece{queued.bytes.size(), data, length, token});
    queued.pinned_bytes += length;
  }

  // Moves queued bytes to `sending` when nothing is left there (its pins given back: the kernel
  // took them); true if there is something to send. A drained queue keeps at most
  // kMaxIdleSendQueueBytes of memory.
  bool ready(const Unpinner& unpin) {
    if (sent == sending.size()) {
      sending.unpin_all(unpin);
      if (sending.bytes.capacity() > kMaxIdleSendQueueBytes) {
        std::vector<uint8_t>().swap(sending.bytes);
      } else {
        sending.bytes.clear();
      }
      sent = 0;
      std::swap(sending, queued);
    }
    return sent < sending.size();
  }

  // The connection is gone and nothing in flight reads the queue: every pin goes back.
  void release(const Unpinner& unpin) {
    sending.unpin_all(unpin);
    queued.unpin_all(unpin);
  }

  // The message of the next send of `sending` (which has pins): its unsent stream from `sent`, in
  // at most kMaxSendIovecs pieces (the rest goes in the next send).
  msghdr* gather() {
    if (!vector) vector.reset(new SendVector);
    iovec* parts = vector->parts;
    size_t count = 0;
    size_t position = 0;  // in stream order
    auto add = [&](const uint8_t* data, size_t length) {
      if (length == 0 || count == kMaxSendIovecs) return;
      if (position + length <= sent) {
        position += length;
        return;
      }
      size_t skip = sent > position ? sent - position : 0;
      parts[count].iov_base = const_cast<uint8_t*>(data + skip);
      parts[count].iov_len = length - skip;
      count++;
      position += length;
    };
    size_t byte_at = 0;
    for (const PinnedPiece& piece : sending.pins) {
      add(sending.bytes.data() + byte_at, piece.at - byte_at);
      add(piece.data, piece.length);
      byte_at = piece.at;
    }
    add(sending.bytes.data() + byte_at, sending.bytes.size() - byte_at);
    FKVS_ASSERT(count > 0, "gather of a sent queue");
    vector->message = msghdr{};
    vector->message.msg_iov = parts;
    vector->message.msg_iovlen = count;
    return &vector->message;
  }
};

}  // namespace fkvs
