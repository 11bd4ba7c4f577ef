#pragma once
// A small multilayer perceptron with hand-written backprop (Eigen), the network of the residual actor,
// its critics and the BC stand-in. Batches are column-major: one sample per column.
//
//   hidden layer: Linear -> LayerNorm (optional, learnable gain/bias) -> ReLU
//   output layer: Linear -> tanh (optional)
//
// Templated on the scalar: float at run time, double in the finite-difference gradient tests.
// forward() caches what backward() needs; backward() ACCUMULATES parameter gradients (call zero_grad()
// first) and returns the gradient w.r.t. the input (TD3's actor loss backpropagates through the
// critic's action input). forward_one() is the allocation-free batch-1 path used at deployment.
#include <Eigen/Core>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/rng.h"

namespace ocres::policy {

struct MlpConfig {
  int input_dim = 1;
  std::vector<int> hidden = {256, 256};
  int output_dim = 1;
  bool layer_norm = true;
  bool tanh_output = false;
  bool zero_init_last = false;  // residual actor: start exactly at the base policy
};

template <class S>
class MlpT {
 public:
  using Mat = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic>;
  using Vec = Eigen::Matrix<S, Eigen::Dynamic, 1>;

  struct Param {
    std::string name;
    S* value;
    S* grad;
    Eigen::Index size;
    std::vector<int64_t> shape;
  };

  MlpT() = default;
  MlpT(const MlpConfig& config, uint64_t seed) : config_(config) {
    OCRES_CHECK(config.input_dim > 0 && config.output_dim > 0, "MLP dimensions must be positive");
    std::vector<int> dims = {config.input_dim};
    dims.insert(dims.end(), config.hidden.begin(), config.hidden.end());
    dims.push_back(config.output_dim);
    Rng rng(seed, 0x4D4C50);
    for (size_t l = 0; l + 1 < dims.size(); ++l) {
      Layer L;
      L.W = Mat(dims[l + 1], dims[l]);
      L.b = Vec(dims[l + 1]);
      // PyTorch's nn.Linear default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases.
      const double k = 1.0 / std::sqrt(static_cast<double>(dims[l]));
      const bool last = l + 2 == dims.size();
      for (Eigen::Index i = 0; i < L.W.size(); ++i) L.W.data()[i] = last && config.zero_init_last ? S(0) : S(rng.uniform(-k, k));
      for (Eigen::Index i = 0; i < L.b.size(); ++i) L.b[i] = last && config.zero_init_last ? S(0) : S(rng.uniform(-k, k));
      L.hidden = !last;
      if (L.hidden && config.layer_norm) {
        L.gain = Vec::Ones(dims[l + 1]);
        L.beta = Vec::Zero(dims[l + 1]);
      }
      L.dW = Mat::Zero(L.W.rows(), L.W.cols());
      L.db = Vec::Zero(L.b.size());
      L.dgain = Vec::Zero(L.gain.size());
      L.dbeta = Vec::Zero(L.beta.size());
      L.one = Vec::Zero(L.b.size());
      layers_.push_back(std::move(L));
    }
    one_in_ = Vec::Zero(config.input_dim);
  }

  const MlpConfig& config() const { return config_; }
  int input_dim() const { return config_.input_dim; }
  int output_dim() const { return config_.output_dim; }

  // Batch forward; x is input_dim x B. The result stays valid until the next forward().
  const Mat& forward(const Mat& x) {
    input_ = x;
    const Mat* h = &input_;
    for (Layer& L : layers_) {
      L.z.noalias() = L.W * *h;
      L.z.colwise() += L.b;
      if (L.hidden) {
        if (config_.layer_norm) {
          const Eigen::Index n = L.z.rows();
          L.mu = L.z.colwise().mean();
          L.xhat = L.z.rowwise() - L.mu;
          L.inv_sigma = ((L.xhat.array().square().colwise().sum() / S(n)) + S(kEps)).rsqrt().matrix();
          L.xhat = L.xhat * L.inv_sigma.asDiagonal();
          L.y = (L.xhat.array().colwise() * L.gain.array()).colwise() + L.beta.array();
        } else {
          L.y = L.z;
        }
        L.a = L.y.cwiseMax(S(0));
        h = &L.a;
      } else {
        L.a = config_.tanh_output ? Mat(L.z.array().tanh()) : L.z;
        h = &L.a;
      }
    }
    return *h;
  }

  // Accumulates parameter gradients for dLoss/dOutput = grad_out (output_dim x B, same B as forward)
  // and returns dLoss/dInput.
  Mat backward(const Mat& grad_out) {
    Mat g = grad_out;
    for (int l = static_cast<int>(layers_.size()) - 1; l >= 0; --l) {
      Layer& L = layers_[l];
      if (!L.hidden) {
        if (config_.tanh_output) g = (g.array() * (S(1) - L.a.array().square())).matrix();
      } else {
        g = (g.array() * (L.y.array() > S(0)).template cast<S>()).matrix();  // ReLU
        if (config_.layer_norm) {
          L.dgain += (g.array() * L.xhat.array()).rowwise().sum().matrix();
          L.dbeta += g.rowwise().sum();
          const Mat dxhat = g.array().colwise() * L.gain.array();
          const Eigen::Index n = L.z.rows();
          const Eigen::Matrix<S, 1, Eigen::Dynamic> m1 = dxhat.colwise().sum() / S(n);
          const Eigen::Matrix<S, 1, Eigen::Dynamic> m2 = (dxhat.array() * L.xhat.array()).colwise().sum().matrix() / S(n);
          g = ((dxhat.rowwise() - m1) - (L.xhat.array().rowwise() * m2.array()).matrix()) * L.inv_sigma.asDiagonal();
        }
      }
      const Mat& in = l == 0 ? input_ : layers_[l - 1].a;
      L.dW.noalias() += g * in.transpose();
      L.db += g.rowwise().sum();
      g = L.W.transpose() * g;
    }
    return g;
  }

  // Batch-1 inference without heap allocation (workspaces were sized at construction).
  void forward_one(const S* in, S* out) {
    one_in_ = Eigen::Map<const Vec>(in, config_.input_dim);
    const Vec* cur = &one_in_;
    for (Layer& L : layers_) {
      L.one.noalias() = L.W * *cur;
      L.one += L.b;
      if (L.hidden) {
        if (config_.layer_norm) {
          const S mu = L.one.mean();
          L.one.array() -= mu;
          const S inv = S(1) / std::sqrt(L.one.squaredNorm() / S(L.one.size()) + S(kEps));
          L.one.array() = L.one.array() * inv * L.gain.array() + L.beta.array();
        }
        L.one = L.one.cwiseMax(S(0));
      } else if (config_.tanh_output) {
        L.one = L.one.array().tanh();
      }
      cur = &L.one;
    }
    Eigen::Map<Vec>(out, config_.output_dim) = *cur;
  }

  void zero_grad() {
    for (Layer& L : layers_) {
      L.dW.setZero();
      L.db.setZero();
      L.dgain.setZero();
      L.dbeta.setZero();
    }
  }

  // Every learnable tensor, PyTorch-like names: layers.<i>.weight/bias, norms.<i>.weight/bias.
  std::vector<Param> params() {
    std::vector<Param> p;
    for (size_t l = 0; l < layers_.size(); ++l) {
      Layer& L = layers_[l];
      const std::string i = std::to_string(l);
      p.push_back({"layers." + i + ".weight", L.W.data(), L.dW.data(), L.W.size(), {L.W.rows(), L.W.cols()}});
      p.push_back({"layers." + i + ".bias", L.b.data(), L.db.data(), L.b.size(), {L.b.size()}});
      if (L.hidden && config_.layer_norm) {
        p.push_back({"norms." + i + ".weight", L.gain.data(), L.dgain.data(), L.gain.size(), {L.gain.size()}});
        p.push_back({"norms." + i + ".bias", L.beta.data(), L.dbeta.data(), L.beta.size(), {L.beta.size()}});
      }
    }
    return p;
  }

  void copy_from(MlpT& other) { soft_update(other, S(1)); }
  // this <- (1 - tau) this + tau other
  void soft_update(MlpT& other, S tau) {
    auto a = params(), b = other.params();
    OCRES_CHECK(a.size() == b.size(), "soft_update between different architectures");
    for (size_t i = 0; i < a.size(); ++i) {
      OCRES_CHECK(a[i].size == b[i].size, "soft_update between different architectures");
      Eigen::Map<Vec> x(a[i].value, a[i].size);
      Eigen::Map<const Vec> y(b[i].value, b[i].size);
      x = (S(1) - tau) * x + tau * y;
    }
  }

  int64_t num_params() {
    int64_t n = 0;
    for (const auto& p : params()) n += p.size;
    return n;
  }

 private:
  static constexpr double kEps = 1e-5;
  struct Layer {
    Mat W, dW;
    Vec b, db, gain, beta, dgain, dbeta;
    bool hidden = true;
    Mat z, xhat, y, a;  // caches
    Eigen::Matrix<S, 1, Eigen::Dynamic> mu;
    Eigen::Matrix<S, 1, Eigen::Dynamic> inv_sigma;
    Vec one;  // batch-1 workspace
  };
  MlpConfig config_;
  std::vector<Layer> layers_;
  Mat input_;
  Vec one_in_;
};

using Mlp = MlpT<float>;

}  // namespace ocres::policy
