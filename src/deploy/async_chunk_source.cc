#include "deploy/async_chunk_source.h"

#include <algorithm>

namespace ocres::deploy {

AsyncChunkSource::AsyncChunkSource(ChunkSource& source)
    : source_(source),
      chunk_size_(source.chunk_size()),
      worker_chunk_(chunk_size_),
      result_chunk_(chunk_size_) {
  OCRES_CHECK(chunk_size_ > 0, "a base policy must produce at least one action per chunk");
  worker_ = std::thread([this] { run(); });
}

AsyncChunkSource::~AsyncChunkSource() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void AsyncChunkSource::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || has_request_; });
    if (stop_) return;
    has_request_ = false;
    const Observation obs = request_obs_;
    lock.unlock();
    const char* error = "";
    LinkStatus status;
    try {
      status = source_.predict(obs, worker_chunk_, error);
    } catch (const std::exception&) {
      // A local policy that throws is treated like a failing server: the loop stops safely.
      status = LinkStatus::kPeerError;
      error = "the base policy threw an exception";
    }
    lock.lock();
    std::copy(worker_chunk_.begin(), worker_chunk_.end(), result_chunk_.begin());
    result_status_ = status;
    result_error_ = error;
    has_result_ = true;
    in_flight_ = false;
    cv_.notify_all();
  }
}

bool AsyncChunkSource::reset(Rng& rng, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (!cv_.wait_for(lock, timeout, [&] { return !in_flight_; })) return false;
  has_result_ = false;
  source_.reset(rng);  // the worker is idle and cannot start while we hold the lock
  return true;
}

bool AsyncChunkSource::request(const Observation& obs) {
  {
    std::lock_guard lock(mutex_);
    if (in_flight_) return false;
    request_obs_ = obs;
    has_request_ = true;
    in_flight_ = true;
    has_result_ = false;
  }
  cv_.notify_all();
  return true;
}

bool AsyncChunkSource::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_flight_;
}

AsyncChunkSource::Poll AsyncChunkSource::take_locked(std::span<Action> out, const char*& error) {
  if (in_flight_) return Poll::kPending;
  if (!has_result_) return Poll::kIdle;
  has_result_ = false;
  if (result_status_ != LinkStatus::kOk) {
    error = result_error_;
    return Poll::kFailed;
  }
  std::copy(result_chunk_.begin(), result_chunk_.end(), out.begin());
  return Poll::kReady;
}

AsyncChunkSource::Poll AsyncChunkSource::poll(std::span<Action> out, const char*& error) {
  std::lock_guard lock(mutex_);
  return take_locked(out, error);
}

AsyncChunkSource::Poll AsyncChunkSource::wait(std::span<Action> out, const char*& error, Clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  cv_.wait_until(lock, deadline, [&] { return !in_flight_; });
  return take_locked(out, error);
}

}  // namespace ocres::deploy
