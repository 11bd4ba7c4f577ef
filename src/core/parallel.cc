#include "core/parallel.h"

namespace ocres {

ThreadPool::ThreadPool(int num_threads) {
  for (int i = 1; i < num_threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
  }
  cv_start_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::run_items() {
  while (true) {
    int i;
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (next_ >= count_) return;
      i = next_++;
    }
    (*fn_)(i);
  }
}

void ThreadPool::worker_loop() {
  uint64_t seen = 0;
  while (true) {
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_start_.wait(lk, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      ++active_;
    }
    run_items();
    {
      std::lock_guard<std::mutex> lk(mu_);
      --active_;
    }
    cv_done_.notify_all();
  }
}

void ThreadPool::parallel_for(int count, const std::function<void(int)>& fn) {
  if (workers_.empty() || count <= 1) {
    for (int i = 0; i < count; ++i) fn(i);
    return;
  }
  {
    std::lock_guard<std::mutex> lk(mu_);
    fn_ = &fn;
    count_ = count;
    next_ = 0;
    ++generation_;
  }
  cv_start_.notify_all();
  run_items();
  std::unique_lock<std::mutex> lk(mu_);
  cv_done_.wait(lk, [&] { return next_ >= count_ && active_ == 0; });
  fn_ = nullptr;
}

}  // namespace ocres
