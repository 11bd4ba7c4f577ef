#pragma once
// Policy interfaces shared by simulation, training and deployment (no simulator types).
#include <memory>
#include <span>
#include <vector>

#include "core/observation.h"
#include "core/rng.h"

namespace ocres {

// A closed-loop policy acting once per 20 Hz control step (scripted experts, teleoperator emulation,
// chunked base policies through ChunkExecutor).
class StepPolicy {
 public:
  virtual ~StepPolicy() = default;
  // Called at episode start; the policy may draw its own variations from `rng`.
  virtual void reset(Rng& rng) = 0;
  virtual Action act(const Observation& obs) = 0;
};

// A base policy as a VLA is: given an observation, a chunk of H absolute TCP targets executed open-loop
// at 20 Hz (SPEC §3).
class BasePolicy {
 public:
  virtual ~BasePolicy() = default;
  virtual int chunk_size() const = 0;
  virtual void reset(Rng& rng) = 0;
  // Fills chunk[0, chunk_size()).
  virtual void predict_chunk(const Observation& obs, std::span<Action> chunk) = 0;
};

// Runs a BasePolicy as a StepPolicy: a new chunk every H steps, element t mod H in between.
class ChunkExecutor : public StepPolicy {
 public:
  explicit ChunkExecutor(BasePolicy& base) : base_(base), chunk_(base.chunk_size()) {}
  void reset(Rng& rng) override {
    base_.reset(rng);
    index_ = 0;
  }
  Action act(const Observation& obs) override {
    if (index_ % base_.chunk_size() == 0) base_.predict_chunk(obs, chunk_);
    return chunk_[index_++ % base_.chunk_size()];
  }
  // The chunk element the last act() returned.
  int index_in_chunk() const { return (index_ - 1) % base_.chunk_size(); }

 private:
  BasePolicy& base_;
  std::vector<Action> chunk_;
  int index_ = 0;
};

// A ChunkExecutor that owns its base policy.
class OwningChunkExecutor : public StepPolicy {
 public:
  explicit OwningChunkExecutor(std::unique_ptr<BasePolicy> base) : base_(std::move(base)), exec_(*base_) {}
  void reset(Rng& rng) override { exec_.reset(rng); }
  Action act(const Observation& obs) override { return exec_.act(obs); }

 private:
  std::unique_ptr<BasePolicy> base_;
  ChunkExecutor exec_;
};

}  // namespace ocres
