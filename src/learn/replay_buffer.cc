#include "learn/replay_buffer.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"

namespace ocres::learn {

ReplayBuffer::ReplayBuffer(int capacity, int obs_dim, int action_dim)
    : capacity_(capacity), obs_dim_(obs_dim), action_dim_(action_dim) {
  OCRES_CHECK(capacity > 0 && obs_dim > 0 && action_dim > 0, "bad replay buffer dimensions");
  data_.assign(static_cast<size_t>(capacity) * stride(), 0.0f);
}

void ReplayBuffer::add(const float* obs, const float* action, float reward, const float* next_obs, float discount) {
  float* row = data_.data() + static_cast<size_t>(next_) * stride();
  std::memcpy(row, obs, sizeof(float) * obs_dim_);
  std::memcpy(row + obs_dim_, action, sizeof(float) * action_dim_);
  std::memcpy(row + obs_dim_ + action_dim_, next_obs, sizeof(float) * obs_dim_);
  row[2 * obs_dim_ + action_dim_] = reward;
  row[2 * obs_dim_ + action_dim_ + 1] = discount;
  next_ = (next_ + 1) % capacity_;
  size_ = std::min(size_ + 1, capacity_);
  ++total_added_;
}

void ReplayBuffer::Batch::resize(int obs_dim, int action_dim, int batch) {
  obs.resize(static_cast<size_t>(obs_dim) * batch);
  next_obs.resize(static_cast<size_t>(obs_dim) * batch);
  action.resize(static_cast<size_t>(action_dim) * batch);
  reward.resize(batch);
  discount.resize(batch);
  size = batch;
}

void ReplayBuffer::sample(Rng& rng, int count, int offset, Batch& out) const {
  OCRES_CHECK(size_ > 0, "sampling from an empty replay buffer");
  OCRES_CHECK(offset + count <= out.size, "batch too small");
  for (int j = 0; j < count; ++j) {
    const int i = static_cast<int>(rng.uniform_int(size_));
    const float* row = data_.data() + static_cast<size_t>(i) * stride();
    const int col = offset + j;
    std::memcpy(out.obs.data() + static_cast<size_t>(col) * obs_dim_, row, sizeof(float) * obs_dim_);
    std::memcpy(out.action.data() + static_cast<size_t>(col) * action_dim_, row + obs_dim_, sizeof(float) * action_dim_);
    std::memcpy(out.next_obs.data() + static_cast<size_t>(col) * obs_dim_, row + obs_dim_ + action_dim_,
                sizeof(float) * obs_dim_);
    out.reward[col] = row[2 * obs_dim_ + action_dim_];
    out.discount[col] = row[2 * obs_dim_ + action_dim_ + 1];
  }
}

void ReplayBuffer::restore(const std::vector<float>& data, int size, int next, int64_t total_added) {
  OCRES_CHECK(data.size() == data_.size() && size <= capacity_ && next < capacity_, "replay restore mismatch");
  data_ = data;
  size_ = size;
  next_ = next;
  total_added_ = total_added;
}

void NStepAccumulator::emit_front(ReplayBuffer& out, bool terminated) {
  // Sum rewards of the pending window starting at the front.
  double R = 0, g = 1;
  const int k = static_cast<int>(pending_.size());
  for (int i = 0; i < k; ++i) {
    R += g * pending_[i].reward;
    g *= gamma_;
  }
  const Step& first = pending_.front();
  const Step& last = pending_.back();
  out.add(first.obs.data(), first.action.data(), static_cast<float>(R), last.next_obs.data(),
          terminated ? 0.0f : static_cast<float>(g));
  pending_.pop_front();
}

void NStepAccumulator::add(const std::vector<float>& obs, const std::vector<float>& action, float reward,
                           const std::vector<float>& next_obs, bool terminated, bool truncated, ReplayBuffer& out) {
  pending_.push_back({obs, action, next_obs, reward});
  if (terminated || truncated) {
    // Flush: every pending start gets its (shorter) n-step return; termination means no bootstrap.
    while (!pending_.empty()) emit_front(out, terminated);
    return;
  }
  if (static_cast<int>(pending_.size()) == n_) emit_front(out, false);
}

}  // namespace ocres::learn
