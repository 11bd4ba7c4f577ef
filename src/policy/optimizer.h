#pragma once
// Adam (with bias correction) over an MLP's parameters, and global gradient-norm clipping.
// The optimiser state (moments, step count) is exposed for checkpoints.
#include <cmath>
#include <vector>

#include "policy/network.h"

namespace ocres::policy {

struct AdamConfig {
  double lr = 3e-4;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  double weight_decay = 0;      // L2 added to the gradient (not decoupled)
  double max_grad_norm = 0;     // > 0: clip the global gradient norm before the step
};

template <class S>
class AdamT {
 public:
  AdamT() = default;
  AdamT(MlpT<S>& net, const AdamConfig& config) : config_(config) {
    for (const auto& p : net.params()) {
      m_.emplace_back(p.size, S(0));
      v_.emplace_back(p.size, S(0));
    }
  }

  // Returns the gradient norm before clipping.
  double step(MlpT<S>& net) {
    auto params = net.params();
    OCRES_CHECK(params.size() == m_.size(), "Adam used with another network");
    double sq = 0;
    for (const auto& p : params)
      for (Eigen::Index i = 0; i < p.size; ++i) sq += static_cast<double>(p.grad[i]) * p.grad[i];
    const double norm = std::sqrt(sq);
    const double clip = config_.max_grad_norm > 0 && norm > config_.max_grad_norm ? config_.max_grad_norm / norm : 1.0;
    ++t_;
    const double bc1 = 1 - std::pow(config_.beta1, static_cast<double>(t_));
    const double bc2 = 1 - std::pow(config_.beta2, static_cast<double>(t_));
    const S b1 = S(config_.beta1), b2 = S(config_.beta2);
    const S step = S(config_.lr / bc1), inv_bc2 = S(1.0 / bc2), eps = S(config_.eps), wd = S(config_.weight_decay);
    for (size_t k = 0; k < params.size(); ++k) {
      auto& p = params[k];
      S* m = m_[k].data();
      S* v = v_[k].data();
      for (Eigen::Index i = 0; i < p.size; ++i) {
        const S g = S(clip) * p.grad[i] + wd * p.value[i];
        m[i] = b1 * m[i] + (S(1) - b1) * g;
        v[i] = b2 * v[i] + (S(1) - b2) * g * g;
        p.value[i] -= step * m[i] / (std::sqrt(v[i] * inv_bc2) + eps);
      }
    }
    return norm;
  }

  int64_t steps() const { return t_; }
  void set_lr(double lr) { config_.lr = lr; }
  // Checkpoint access.
  std::vector<std::vector<S>>& first_moments() { return m_; }
  std::vector<std::vector<S>>& second_moments() { return v_; }
  void set_steps(int64_t t) { t_ = t; }

 private:
  AdamConfig config_;
  std::vector<std::vector<S>> m_, v_;
  int64_t t_ = 0;
};

using Adam = AdamT<float>;

}  // namespace ocres::policy
