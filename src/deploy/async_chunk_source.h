#pragma once
// Runs a ChunkSource on its own worker thread so that a slow base policy (a remote VLA takes ~140 ms per
// chunk) never blocks a control tick: the loop posts a request and polls for the answer. One request is
// in flight at a time. Allocation-free after construction (the observation and chunks are fixed-size
// slots guarded by one mutex; camera frames are buffers reused after the first request).
//
// Camera frames travel WITH the observation: request() copies, under the same lock as the observation,
// the latest frame of each camera the source looks at (ChunkSource::camera_names) from the
// CameraSource. The control thread calls request() right after reading the state the observation is
// built from, before the next state can arrive, so the frames are the ones delivered with that state.
// The worker then swaps the request's frame buffers with its own (no copy): a later request cannot
// overwrite frames the worker is still encoding, since only one request is in flight. The copy costs
// about 20 us for two 224x224 frames, once per chunk (tests/deploy/camera_test.cc measures it).
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "deploy/interfaces.h"

namespace ocres::deploy {

class AsyncChunkSource {
 public:
  using Clock = std::chrono::steady_clock;
  enum class Poll { kIdle, kPending, kReady, kFailed };

  // `cameras` may be null if the source looks at none; throws InputError naming a camera the source
  // needs that `cameras` does not provide.
  explicit AsyncChunkSource(ChunkSource& source, const CameraSource* cameras = nullptr);
  // Joins the worker; a call in progress finishes first (remote clients have their own timeouts).
  ~AsyncChunkSource();
  AsyncChunkSource(const AsyncChunkSource&) = delete;
  AsyncChunkSource& operator=(const AsyncChunkSource&) = delete;

  int chunk_size() const { return chunk_size_; }
  // Resets the source once no call is in flight (waits up to `timeout`; false if it is still busy, e.g.
  // stuck on a dead server). Discards any unread answer.
  bool reset(Rng& rng, std::chrono::milliseconds timeout);
  // Posts a request for `obs`; false if one is still in flight.
  bool request(const Observation& obs);
  bool in_flight() const;
  // If the answer to the last request is there, copies it to `out` (kReady) or reports its failure
  // (kFailed, `error` set); kPending while it is computed; kIdle when nothing was requested.
  Poll poll(std::span<Action> out, const char*& error);
  // Like poll() but blocks until the answer or `deadline`.
  Poll wait(std::span<Action> out, const char*& error, Clock::time_point deadline);

 private:
  void run();
  Poll take_locked(std::span<Action> out, const char*& error);

  ChunkSource& source_;
  const CameraSource* cameras_;
  const int chunk_size_;
  std::vector<int> camera_index_;  // camera_names()[i] in cameras_
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool stop_ = false, has_request_ = false, in_flight_ = false, has_result_ = false;
  Observation request_obs_;
  std::vector<CameraFrame> request_frames_, worker_frames_;
  std::vector<Action> worker_chunk_, result_chunk_;
  LinkStatus result_status_ = LinkStatus::kOk;
  const char* result_error_ = "";
  std::thread worker_;
};

}  // namespace ocres::deploy
