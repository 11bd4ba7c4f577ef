#include "deploy/async_chunk_source.h"

#include <algorithm>

#include "core/error.h"

namespace ocres::deploy {

AsyncChunkSource::AsyncChunkSource(ChunkSource& source, const CameraSource* cameras)
    : source_(source),
      cameras_(cameras),
      chunk_size_(source.chunk_size()),
      worker_chunk_(chunk_size_),
      result_chunk_(chunk_size_) {
  OCRES_CHECK(chunk_size_ > 0, "a base policy must produce at least one action per chunk");
  for (const std::string& name : source.camera_names()) {
    const int index = cameras_ ? cameras_->find(name) : -1;
    if (index < 0)
      throw InputError("the base policy looks at camera '" + name + "', which " +
                       (cameras_ ? "the camera source does not provide" : "nothing provides (no camera source)"));
    camera_index_.push_back(index);
  }
  request_frames_.resize(camera_index_.size());
  worker_frames_.resize(camera_index_.size());
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
    request_frames_.swap(worker_frames_);  // O(1); request() only writes request_frames_ when idle
    lock.unlock();
    const char* error = "";
    LinkStatus status;
    try {
      status = camera_index_.empty() ? source_.predict(obs, worker_chunk_, error)
                                     : source_.predict_with_frames(obs, worker_frames_, worker_chunk_, error);
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
    // The frames of the state `obs` was built from (see the header); an absent one stays marked absent
    // and the source reports it.
    for (size_t i = 0; i < camera_index_.size(); ++i) cameras_->latest(camera_index_[i], request_frames_[i]);
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
