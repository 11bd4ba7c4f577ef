#pragma once
// A fixed pool of worker threads for data-parallel loops (vectorised envs, batched evaluation).
// parallel_for(n, f) calls f(i) for every i in [0, n) exactly once; which thread runs i is not
// specified, so f must only touch state owned by index i. Results therefore do not depend on the
// number of threads.
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ocres {

class ThreadPool {
 public:
  // num_threads <= 1 runs everything on the caller's thread.
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int num_threads() const { return static_cast<int>(workers_.size()) + 1; }
  void parallel_for(int count, const std::function<void(int)>& fn);

 private:
  void worker_loop();
  void run_items();

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_start_, cv_done_;
  const std::function<void(int)>* fn_ = nullptr;
  int count_ = 0;
  int next_ = 0;
  int active_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
};

}  // namespace ocres
