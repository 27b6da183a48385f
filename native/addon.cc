// N-API glue only: a Transport object owns one backend, watches its fd from the Node event loop,
// and crosses into JS once per batch of events (records in a shared Int32Array, bytes in a shared
// receive area). JS answers with one send() call per batch.
#include <malloc.h>
#include <napi.h>
#include <uv.h>
#include <v8.h>

#include <memory>
#include <string>

#include "backend.h"
#include "huge_pages.h"
#include "limits.h"

namespace fkvs {
namespace {

bool flag(const Napi::Object& options, const char* key, bool fallback) {
  Napi::Value value = options.Get(key);
  return value.IsBoolean() ? value.As<Napi::Boolean>().Value() : fallback;
}

class Transport : public Napi::ObjectWrap<Transport> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Transport",
                       {
                           InstanceMethod<&Transport::ListenTcp>("listenTcp"),
                           InstanceMethod<&Transport::ListenUnix>("listenUnix"),
                           InstanceMethod<&Transport::ConnectTcp>("connectTcp"),
                           InstanceMethod<&Transport::ConnectUnix>("connectUnix"),
                           InstanceMethod<&Transport::Send>("send"),
                           InstanceMethod<&Transport::Close>("close"),
                           InstanceMethod<&Transport::PauseReading>("pauseReading"),
                           InstanceMethod<&Transport::ResumeReading>("resumeReading"),
                           InstanceMethod<&Transport::NotifyDrained>("notifyDrained"),
                           InstanceMethod<&Transport::PeerAddress>("peerAddress"),
                           InstanceMethod<&Transport::LocalAddress>("localAddress"),
                           InstanceMethod<&Transport::StopListening>("stopListening"),
                           InstanceMethod<&Transport::OpenFile>("openFile"),
                           InstanceMethod<&Transport::WriteFile>("writeFile"),
                           InstanceMethod<&Transport::RetryFile>("retryFile"),
                           InstanceMethod<&Transport::CloseFile>("closeFile"),
                           InstanceMethod<&Transport::FileSize>("fileSize"),
                           InstanceMethod<&Transport::Destroy>("destroy"),
                           InstanceMethod<&Transport::Counters>("counters"),
                           InstanceMethod<&Transport::ReleaseMemory>("releaseMemory"),
                           InstanceAccessor<&Transport::OpenConnections>("openConnections"),
                       });
  }

  // new Transport(backend: 'epoll' | 'io_uring', options, onEvents(count))
  explicit Transport(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Transport>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 3 || !info[0].IsString() || !info[1].IsObject() || !info[2].IsFunction()) {
      Napi::TypeError::New(env, "Transport(backend, options, onEvents)").ThrowAsJavaScriptException();
      return;
    }
    std::string kind = info[0].As<Napi::String>();
    Napi::Object options = info[1].As<Napi::Object>();
    Napi::Value max_clients = options.Get("maxClients");
    Napi::Value max_outgoing = options.Get("maxOutgoing");
    Napi::Value max_pending = options.Get("maxPendingOutputBytes");
    if (!max_clients.IsNumber() || !max_outgoing.IsNumber() || !max_pending.IsNumber()) {
      Napi::TypeError::New(env, "options.maxClients, maxOutgoing and maxPendingOutputBytes are required")
          .ThrowAsJavaScriptException();
      return;
    }
    Napi::ArrayBuffer area = Napi::ArrayBuffer::New(env, kReceiveAreaBytes);
    Napi::Int32Array records = Napi::Int32Array::New(env, kMaxBatchRecords * kRecordInts);
    BackendOptions o;
    o.receive_area = static_cast<uint8_t*>(area.Data());
    o.receive_area_bytes = area.ByteLength();
    o.max_clients = static_cast<uint32_t>(max_clients.As<Napi::Number>().Int64Value());
    o.max_outgoing = static_cast<uint32_t>(max_outgoing.As<Napi::Number>().Int64Value());
    o.max_pending_output_bytes = static_cast<size_t>(max_pending.As<Napi::Number>().Int64Value());
    Napi::Value keepalive = options.Get("tcpKeepaliveSeconds");
    if (keepalive.IsNumber()) o.tcp_keepalive_seconds = keepalive.As<Napi::Number>().Int32Value();
    o.defer_taskrun = flag(options, "deferTaskrun", true);
    o.coop_taskrun = flag(options, "coopTaskrun", true);
    o.multishot_accept = flag(options, "multishotAccept", true);
    o.multishot_recv = flag(options, "multishotRecv", true);
    o.unpin.release = Unpin;
    o.unpin.context = this;
    std::string error;
    if (kind == "epoll") {
      backend_.reset(new_epoll_backend(o, &error));
    } else if (kind == "io_uring") {
      backend_.reset(new_uring_backend(o, &error));
    } else {
      error = "unknown backend '" + kind + "'";
    }
    if (!backend_) {
      Napi::Error::New(env, error).ThrowAsJavaScriptException();
      return;
    }
    records_ = records.Data();
    on_events_ = Napi::Persistent(info[2].As<Napi::Function>());
    area_ref_ = Napi::Persistent(area);
    records_ref_ = Napi::Persistent(records);
    Napi::Object self = info.This().As<Napi::Object>();
    self.Set("backend", Napi::String::New(env, backend_->name()));
    self.Set("features", Napi::String::New(env, backend_->features()));
    self.Set("receiveArea", area);
    self.Set("records", records);
    async_context_ = std::make_unique<Napi::AsyncContext>(env, "fkvs.transport");
    uv_loop_t* loop = nullptr;
    napi_get_uv_event_loop(env, &loop);
    poll_ = new uv_poll_t;
    poll_->data = this;
    uv_poll_init(loop, poll_, backend_->poll_fd());
    uv_poll_start(poll_, UV_READABLE, OnReadable);
    Ref();  // alive while polling; Destroy() releases it
  }

  ~Transport() override {
    finalizing_ = true;  // the environment may be going away: references are not deleted now
    Stop();
  }

 private:
  static void OnReadable(uv_poll_t* handle, int status, int) {
    if (status < 0) return;
    static_cast<Transport*>(handle->data)->Drain();
  }

  void Drain() {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    for (int round = 0; round < kMaxBatchesPerWake && backend_; round++) {
      int count = backend_->collect(records_, kMaxBatchRecords);
      if (count > 0) {
        backend_->counters.batches++;
        backend_->counters.events += static_cast<uint64_t>(count);
        in_callback_ = true;
        on_events_.MakeCallback(Value(), {Napi::Number::New(env, count)}, *async_context_);
        in_callback_ = false;
        if (!backend_) break;  // destroyed by the callback
      }
      // Even with no records: buffers of stale completions go back, a FIN seen by collect()
      // closes its connection, and recvs refused for want of buffers (ENOBUFS) are re-armed.
      backend_->release_batch();
      backend_->flush();
      if (static_cast<uint32_t>(count) < kMaxBatchRecords) break;
    }
  }

  // listenTcp(host, port, maxPendingOutputBytes?): the last, when given, is the send queue limit
  // of the connections this listener accepts (else the transport's maxPendingOutputBytes).
  Napi::Value ListenTcp(const Napi::CallbackInfo& info) {
    if (!Alive(info)) return info.Env().Undefined();
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber() || !OptionalBytes(info, 2)) {
      return Misuse(info, "listenTcp(host: string, port: number, maxPendingOutputBytes?: number)");
    }
    std::string error = backend_->listen_tcp(info[0].As<Napi::String>(), info[1].As<Napi::Number>().Int32Value(),
                                             BytesArgument(info, 2));
    return ListenerIndex(info.Env(), error);
  }

  // listenUnix(path, maxPendingOutputBytes?), as listenTcp.
  Napi::Value ListenUnix(const Napi::CallbackInfo& info) {
    if (!Alive(info)) return info.Env().Undefined();
    if (info.Length() < 1 || !info[0].IsString() || !OptionalBytes(info, 1)) {
      return Misuse(info, "listenUnix(path: string, maxPendingOutputBytes?: number)");
    }
    std::string error = backend_->listen_unix(info[0].As<Napi::String>(), BytesArgument(info, 1));
    return ListenerIndex(info.Env(), error);
  }

  // Argument i is absent, or a positive number of bytes.
  static bool OptionalBytes(const Napi::CallbackInfo& info, size_t i) {
    return info.Length() <= i || info[i].IsUndefined() ||
           (info[i].IsNumber() && info[i].As<Napi::Number>().Int64Value() > 0);
  }

  // Argument i as bytes; 0 when absent (the backend's default).
  static size_t BytesArgument(const Napi::CallbackInfo& info, size_t i) {
    if (info.Length() <= i || info[i].IsUndefined()) return 0;
    return static_cast<size_t>(info[i].As<Napi::Number>().Int64Value());
  }

  // The index Open records of the new listener carry, or a thrown error.
  Napi::Value ListenerIndex(Napi::Env env, const std::string& error) {
    if (!error.empty()) {
      Napi::Error::New(env, error).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    return Napi::Number::New(env, backend_->listener_count() - 1);
  }

  // connectTcp(host, port) → connection id; an Open record follows once connected, or a Closed
  // record with the errno in its offset field.
  Napi::Value ConnectTcp(const Napi::CallbackInfo& info) {
    if (!Alive(info)) return info.Env().Undefined();
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber()) {
      Napi::TypeError::New(info.Env(), "connectTcp(host, port)").ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    SocketAddress address;
    std::string error;
    if (!tcp_address(info[0].As<Napi::String>(), info[1].As<Napi::Number>().Int32Value(), &address, &error)) {
      Napi::Error::New(info.Env(), "connect " + error).ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    return Connect(info, address);
  }

  // connectUnix(path) → connection id, as connectTcp.
  Napi::Value ConnectUnix(const Napi::CallbackInfo& info) {
    if (!Alive(info)) return info.Env().Undefined();
    if (info.Length() < 1 || !info[0].IsString()) {
      Napi::TypeError::New(info.Env(), "connectUnix(path)").ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    SocketAddress address;
    std::string error;
    if (!unix_address(info[0].As<Napi::String>(), &address, &error)) {
      Napi::Error::New(info.Env(), "connect " + error).ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    return Connect(info, address);
  }

  Napi::Value Connect(const Napi::CallbackInfo& info, const SocketAddress& address) {
    std::string error;
    int id = backend_->connect_to(address, &error);
    if (id < 0) {
      Napi::Error::New(info.Env(), error).ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    return Napi::Number::New(info.Env(), id);
  }

  // Work queued outside an event callback (a client's first requests, a close from a timer) would
  // wait for the next event otherwise; inside one, Drain() flushes once after the whole batch.
  void FlushUnlessInCallback() {
    if (!in_callback_) backend_->flush();
  }

  // A pinned piece was sent or dropped: the JS reference that kept its memory alive goes.
  static void Unpin(void* context, void* token, size_t length) {
    auto* self = static_cast<Transport*>(context);
    self->pinned_bytes_ -= length;
    self->pins_--;
    if (!self->finalizing_) napi_delete_reference(self->Env(), static_cast<napi_ref>(token));
  }

  // send(ids: Int32Array, starts: Int32Array, ends: Int32Array, buffers: Uint8Array[], count,
  // pinned?: Uint8Array): queues a copy of buffers[i][starts[i], ends[i]) for connection ids[i]
  // (or, where pinned[i] is 1, the range itself: the array is kept alive and must not change
  // until sent); sent after the batch, or at once when called outside an event callback.
  Napi::Value Send(const Napi::CallbackInfo& info) {
    if (!Alive(info)) return info.Env().Undefined();
    if (info.Length() < 5 || !IsInt32Array(info[0]) || !IsInt32Array(info[1]) || !IsInt32Array(info[2]) ||
        !info[3].IsArray() || !info[4].IsNumber() ||
        (info.Length() > 5 && !info[5].IsUndefined() && !IsUint8Array(info[5]))) {
      return Misuse(info, "send(ids: Int32Array, starts: Int32Array, ends: Int32Array, buffers: Uint8Array[], count, pinned?: Uint8Array)");
    }
    Napi::Uint8Array pinned = info.Length() > 5 && !info[5].IsUndefined() ? info[5].As<Napi::Uint8Array>() : Napi::Uint8Array();
    Napi::Int32Array ids = info[0].As<Napi::Int32Array>();
    Napi::Int32Array starts = info[1].As<Napi::Int32Array>();
    Napi::Int32Array ends = info[2].As<Napi::Int32Array>();
    Napi::Array buffers = info[3].As<Napi::Array>();
    uint32_t count = info[4].As<Napi::Number>().Uint32Value();
    if (count > ids.ElementLength() || count > starts.ElementLength() || count > ends.ElementLength() ||
        (!pinned.IsEmpty() && count > pinned.ElementLength())) {
      Napi::RangeError::New(info.Env(), "send: count exceeds the arrays").ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    for (uint32_t i = 0; i < count; i++) {
      Napi::Value buffer = buffers.Get(i);
      if (!buffer.IsTypedArray() || buffer.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
        return Misuse(info, "send: buffers[i] must be a Uint8Array");
      }
      Napi::Uint8Array bytes = buffer.As<Napi::Uint8Array>();
      int32_t start = starts[i];
      int32_t end = ends[i];
      if (start < 0 || end < start || static_cast<size_t>(end) > bytes.ElementLength()) {
        Napi::RangeError::New(info.Env(), "send: range outside its buffer").ThrowAsJavaScriptException();
        return info.Env().Undefined();
      }
      size_t length = static_cast<size_t>(end - start);
      if (!pinned.IsEmpty() && pinned[i] != 0) {
        napi_ref reference;
        if (napi_create_reference(info.Env(), bytes, 1, &reference) != napi_ok) {
          Napi::Error::New(info.Env(), "send: cannot pin a buffer").ThrowAsJavaScriptException();
          return info.Env().Undefined();
        }
        pinned_bytes_ += length;
        pins_++;
        backend_->queue_pinned(ids[i], bytes.Data() + start, length, reference);
      } else {
        backend_->queue_send(ids[i], bytes.Data() + start, length);
      }
    }
    FlushUnlessInCallback();
    return info.Env().Undefined();
  }

  // close(id, flushFirst)
  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (!Alive(info)) return info.Env().Undefined();
    if (info.Length() < 2 || !info[0].IsNumber()) return Misuse(info, "close(id: number, flushFirst: boolean)");
    backend_->close_connection(info[0].As<Napi::Number>().Int32Value(), info[1].ToBoolean());
    FlushUnlessInCallback();
    return info.Env().Undefined();
  }

  // pauseReading(id): the peer's bytes wait in the kernel until resumeReading(id).
  Napi::Value PauseReading(const Napi::CallbackInfo& info) { return SetPaused(info, true); }
  Napi::Value ResumeReading(const Napi::CallbackInfo& info) { return SetPaused(info, false); }

  Napi::Value SetPaused(const Napi::CallbackInfo& info, bool paused) {
    if (!Alive(info)) return info.Env().Undefined();
    if (info.Length() < 1 || !info[0].IsNumber()) return Misuse(info, "pauseReading/resumeReading(id: number)");
    backend_->pause_reading(info[0].As<Napi::Number>().Int32Value(), paused);
    FlushUnlessInCallback();
    return info.Env().Undefined();
  }

  // notifyDrained(id): one drained record once every byte queued for id went to the kernel.
  Napi::Value NotifyDrained(const Napi::CallbackInfo& info) {
    if (!Alive(info)) return info.Env().Undefined();
    if (info.Length() < 1 || !info[0].IsNumber()) return Misuse(info, "notifyDrained(id: number)");
    backend_->notify_drained(info[0].As<Napi::Number>().Int32Value());
    return info.Env().Undefined();
  }

  static bool IsInt32Array(const Napi::Value& value) {
    return value.IsTypedArray() && value.As<Napi::TypedArray>().TypedArrayType() == napi_int32_array;
  }

  static bool IsUint8Array(const Napi::Value& value) {
    return value.IsTypedArray() && value.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array;
  }

  // A call from JS with arguments of the wrong type: a TypeError, never a crash.
  static Napi::Value Misuse(const Napi::CallbackInfo& info, const char* usage) {
    Napi::TypeError::New(info.Env(), usage).ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }

  // Not per request: the Redis front asks once per connection, for protected mode and CLIENT LIST.
  Napi::Value PeerAddress(const Napi::CallbackInfo& info) {
    if (!Alive(info)) return info.Env().Undefined();
    if (info.Length() < 1 || !info[0].IsNumber()) return Misuse(info, "peerAddress(id: number)");
    return Napi::String::New(info.Env(), backend_->peer_address(info[0].As<Napi::Number>().Int32Value()));
  }

  // openFile(path, mode) → file id; throws with the errno text.
  Napi::Value OpenFile(const Napi::CallbackInfo& info) {
    if (!Alive(info)) return info.Env().Undefined();
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber()) {
      return Misuse(info, "openFile(path: string, mode: number)");
    }
    std::string error;
    int id = backend_->open_file(info[0].As<Napi::String>(), info[1].As<Napi::Number>().Int32Value(), &error);
    if (id < 0) {
      Napi::Error::New(info.Env(), error).ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    return Napi::Number::New(info.Env(), id);
  }

  // writeFile(file, bytes, start, end, sync, tag) → false when over the file's queue limit.
  // Copies bytes[start, end); a File record with the tag follows once written (and synced).
  Napi::Value WriteFile(const Napi::CallbackInfo& info) {
    if (!Alive(info)) return info.Env().Undefined();
    if (info.Length() < 6 || !info[0].IsNumber() || !info[1].IsTypedArray() || !info[2].IsNumber() ||
        !info[3].IsNumber() || !info[4].IsNumber() || !info[5].IsNumber() ||
        info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
      return Misuse(info, "writeFile(file: number, bytes: Uint8Array, start, end, sync, tag)");
    }
    Napi::Uint8Array bytes = info[1].As<Napi::Uint8Array>();
    int64_t start = info[2].As<Napi::Number>().Int64Value();
    int64_t end = info[3].As<Napi::Number>().Int64Value();
    int sync = info[4].As<Napi::Number>().Int32Value();
    if (start < 0 || end < start || static_cast<size_t>(end) > bytes.ElementLength() || sync < kFileSyncNone ||
        sync > kFileSyncFull) {
      Napi::RangeError::New(info.Env(), "writeFile: range outside its buffer, or sync not 0-2").ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    bool queued = backend_->write_file(info[0].As<Napi::Number>().Int32Value(), bytes.Data() + start,
                                       static_cast<size_t>(end - start), sync, info[5].As<Napi::Number>().Int32Value());
    FlushUnlessInCallback();
    return Napi::Boolean::New(info.Env(), queued);
  }

  // retryFile(file, tag): after a File record with an error, writes the failed bytes again.
  Napi::Value RetryFile(const Napi::CallbackInfo& info) {
    if (!Alive(info)) return info.Env().Undefined();
    if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) return Misuse(info, "retryFile(file, tag)");
    backend_->retry_file(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value());
    FlushUnlessInCallback();
    return info.Env().Undefined();
  }

  Napi::Value CloseFile(const Napi::CallbackInfo& info) {
    if (!Alive(info)) return info.Env().Undefined();
    if (info.Length() < 1 || !info[0].IsNumber()) return Misuse(info, "closeFile(file)");
    backend_->close_file(info[0].As<Napi::Number>().Int32Value());
    return info.Env().Undefined();
  }

  Napi::Value FileSize(const Napi::CallbackInfo& info) {
    if (!Alive(info)) return info.Env().Undefined();
    if (info.Length() < 1 || !info[0].IsNumber()) return Misuse(info, "fileSize(file)");
    return Napi::Number::New(info.Env(), static_cast<double>(backend_->file_size(info[0].As<Napi::Number>().Int32Value())));
  }

  // Once per connection too: CLIENT LIST's laddr.
  Napi::Value LocalAddress(const Napi::CallbackInfo& info) {
    if (!Alive(info)) return info.Env().Undefined();
    if (info.Length() < 1 || !info[0].IsNumber()) return Misuse(info, "localAddress(id: number)");
    return Napi::String::New(info.Env(), backend_->local_address(info[0].As<Napi::Number>().Int32Value()));
  }

  Napi::Value StopListening(const Napi::CallbackInfo& info) {
    if (Alive(info)) backend_->stop_listening();
    return info.Env().Undefined();
  }

  Napi::Value Destroy(const Napi::CallbackInfo& info) {
    if (backend_) {
      Stop();
      Unref();
    }
    return info.Env().Undefined();
  }

  Napi::Value OpenConnections(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), backend_ ? backend_->open_connections() : 0);
  }

  Napi::Value Counters(const Napi::CallbackInfo& info) {
    Napi::Object result = Napi::Object::New(info.Env());
    if (!backend_) return result;
    const BackendCounters& c = backend_->counters;
    result.Set("syscalls", static_cast<double>(c.syscalls));
    result.Set("batches", static_cast<double>(c.batches));
    result.Set("events", static_cast<double>(c.events));
    result.Set("sends", static_cast<double>(c.sends));
    result.Set("accepted", static_cast<double>(c.accepted));
    result.Set("refused", static_cast<double>(c.refused));
    result.Set("dropped", static_cast<double>(c.dropped));
    result.Set("fileWrites", static_cast<double>(c.file_writes));
    result.Set("fileSyncsInFlightMax", static_cast<double>(c.file_syncs_in_flight_max));
    result.Set("fileSyncs", static_cast<double>(c.file_syncs));
    result.Set("fileSyncMicros", static_cast<double>(c.file_sync_micros));
    result.Set("reenters", static_cast<double>(c.reenters));
    result.Set("openConnections", backend_->open_connections());
    result.Set("tableConnections", backend_->table_connections());
    result.Set("unsentOutputBytes", static_cast<double>(backend_->unsent_output_bytes()));
    result.Set("pinnedBytes", static_cast<double>(pinned_bytes_));
    result.Set("pins", static_cast<double>(pins_));
    return result;
  }

  // releaseMemory(): gives memory that closed connections left behind back to the system,
  // without stalling the loop. V8 is told the pressure is moderate: it starts incremental marking
  // (their output buffers are ArrayBuffers freed only by a collection, and an idle server runs
  // none), done in small steps between events; kCritical was a full collection on this thread,
  // 20-35 ms after 1000 slow readers, inside other clients' latency. glibc's malloc_trim, which
  // took the rest (15-20 ms), runs on a libuv pool thread: it is thread-safe (it locks each arena
  // in turn). It returns the free pages of every arena (send queues, buffers already swept); what
  // the collection frees later is returned by the next call (the caller calls again a second on).
  Napi::Value ReleaseMemory(const Napi::CallbackInfo& info) {
    v8::Isolate* isolate = v8::Isolate::GetCurrent();
    if (isolate != nullptr) isolate->MemoryPressureNotification(v8::MemoryPressureLevel::kModerate);
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(info.Env(), &loop) != napi_ok || loop == nullptr) {
      malloc_trim(0);  // no loop to queue on: here, as before
      return info.Env().Undefined();
    }
    uv_work_t* trim = new uv_work_t;
    int queued = uv_queue_work(
        loop, trim, [](uv_work_t*) { malloc_trim(0); }, [](uv_work_t* done, int) { delete done; });
    if (queued != 0) {
      delete trim;
      malloc_trim(0);  // no pool thread: here, as before
    }
    return info.Env().Undefined();
  }

  bool Alive(const Napi::CallbackInfo& info) {
    if (backend_) return true;
    Napi::Error::New(info.Env(), "transport destroyed").ThrowAsJavaScriptException();
    return false;
  }

  void Stop() {
    if (poll_ != nullptr) {
      uv_poll_stop(poll_);
      uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); });
      poll_ = nullptr;
    }
    backend_.reset();  // closes listeners and connections
  }

  std::unique_ptr<Backend> backend_;
  bool in_callback_ = false;
  bool finalizing_ = false;
  size_t pinned_bytes_ = 0;  // memory of pieces queued by reference and not yet given back
  size_t pins_ = 0;
  uv_poll_t* poll_ = nullptr;
  int32_t* records_ = nullptr;
  Napi::FunctionReference on_events_;
  Napi::Reference<Napi::ArrayBuffer> area_ref_;
  Napi::Reference<Napi::Int32Array> records_ref_;
  std::unique_ptr<Napi::AsyncContext> async_context_;
};

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("Transport", Transport::Define(env));
  RegisterHugePages(env, exports);
#ifdef FKVS_HAVE_LIBURING
  exports.Set("hasIoUring", Napi::Boolean::New(env, true));
#else
  exports.Set("hasIoUring", Napi::Boolean::New(env, false));
#endif
  return exports;
}

}  // namespace
}  // namespace fkvs

static Napi::Object Init(Napi::Env env, Napi::Object exports) { return fkvs::InitModule(env, exports); }

NODE_API_MODULE(fkvs_native, Init)
