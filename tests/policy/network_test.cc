#include "policy/network.h"

#include <gtest/gtest.h>

#include "policy/optimizer.h"

namespace ocres::policy {
namespace {

using MlpD = MlpT<double>;

double loss_of(MlpD& net, const MlpD::Mat& x, const MlpD::Mat& w) {
  return (net.forward(x).array() * w.array()).sum();  // L = <w, f(x)>: dL/df = w
}

void check_gradients(const MlpConfig& cfg) {
  MlpD net(cfg, 1);
  // Non-trivial LayerNorm parameters so their gradients are exercised too.
  Rng rng(2);
  for (auto& p : net.params())
    if (p.name.rfind("norms.", 0) == 0)
      for (Eigen::Index i = 0; i < p.size; ++i) p.value[i] += rng.uniform(-0.3, 0.3);
  const int B = 5;
  MlpD::Mat x(cfg.input_dim, B), w(cfg.output_dim, B);
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = rng.uniform(-1, 1);
  for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = rng.uniform(-1, 1);
  net.zero_grad();
  net.forward(x);
  const MlpD::Mat dx = net.backward(w);
  const double h = 1e-6;
  double worst = 0;
  auto rel = [](double a, double b) { return std::abs(a - b) / std::max(1e-6, std::abs(a) + std::abs(b)); };
  for (auto& p : net.params()) {
    for (Eigen::Index i = 0; i < p.size; ++i) {
      const double v = p.value[i];
      p.value[i] = v + h;
      const double lp = loss_of(net, x, w);
      p.value[i] = v - h;
      const double lm = loss_of(net, x, w);
      p.value[i] = v;
      const double fd = (lp - lm) / (2 * h);
      worst = std::max(worst, rel(fd, p.grad[i]));
      ASSERT_LT(rel(fd, p.grad[i]), 1e-4) << p.name << "[" << i << "] fd " << fd << " analytic " << p.grad[i];
    }
  }
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    MlpD::Mat xp = x, xm = x;
    xp.data()[i] += h;
    xm.data()[i] -= h;
    const double fd = (loss_of(net, xp, w) - loss_of(net, xm, w)) / (2 * h);
    ASSERT_LT(rel(fd, dx.data()[i]), 1e-4) << "input " << i;
  }
}

TEST(Mlp, GradientsMatchFiniteDifferencesWithLayerNormReluTanh) {
  check_gradients({6, {8, 7}, 3, true, true, false});
}

TEST(Mlp, GradientsMatchFiniteDifferencesWithoutLayerNorm) { check_gradients({4, {9}, 2, false, false, false}); }

TEST(Mlp, ZeroInitialisedLastLayerOutputsExactlyZero) {
  Mlp net({10, {32, 32}, 7, true, true, true}, 3);
  Mlp::Mat x = Mlp::Mat::Random(10, 4);
  const Mlp::Mat& y = net.forward(x);
  EXPECT_EQ(y.cwiseAbs().maxCoeff(), 0.0f);
  float out[7];
  net.forward_one(x.col(0).data(), out);
  for (float v : out) EXPECT_EQ(v, 0.0f);
}

TEST(Mlp, BatchOneMatchesBatchForward) {
  Mlp net({12, {64, 64}, 5, true, true, false}, 4);
  Mlp::Mat x = Mlp::Mat::Random(12, 3);
  const Mlp::Mat y = net.forward(x);
  for (int c = 0; c < 3; ++c) {
    float out[5];
    net.forward_one(x.col(c).data(), out);
    for (int i = 0; i < 5; ++i) EXPECT_NEAR(out[i], y(i, c), 1e-5);
  }
}

TEST(Mlp, SameSeedSameNetwork) {
  Mlp a({5, {16}, 2, true, false, false}, 9), b({5, {16}, 2, true, false, false}, 9), c({5, {16}, 2, true, false, false}, 10);
  EXPECT_EQ(a.params()[0].value[3], b.params()[0].value[3]);
  EXPECT_NE(a.params()[0].value[3], c.params()[0].value[3]);
}

TEST(Adam, FirstStepMovesEachParameterByLearningRateAgainstTheGradientSign) {
  MlpD net({3, {4}, 1, false, false, false}, 5);
  std::vector<double> before;
  for (auto& p : net.params())
    for (Eigen::Index i = 0; i < p.size; ++i) before.push_back(p.value[i]);
  MlpD::Mat x = MlpD::Mat::Random(3, 8);
  net.zero_grad();
  net.forward(x);
  net.backward(MlpD::Mat::Ones(1, 8));
  AdamT<double> adam(net, {0.01});
  adam.step(net);
  size_t k = 0;
  for (auto& p : net.params())
    for (Eigen::Index i = 0; i < p.size; ++i, ++k) {
      if (std::abs(p.grad[i]) < 1e-6) continue;
      // m_hat = g, v_hat = g^2: step = lr * g / (|g| + eps).
      EXPECT_NEAR(p.value[i] - before[k], -0.01 * p.grad[i] / (std::abs(p.grad[i]) + 1e-8), 1e-9);
    }
}

TEST(Adam, FitsASmoothRegressionProblem) {
  Mlp net({2, {32, 32}, 1, true, false, false}, 6);
  Adam adam(net, {3e-3});
  Rng rng(7);
  const int B = 128;
  double first = 0, last = 0;
  for (int it = 0; it < 800; ++it) {
    Mlp::Mat x(2, B), target(1, B);
    for (int c = 0; c < B; ++c) {
      x(0, c) = static_cast<float>(rng.uniform(-1, 1));
      x(1, c) = static_cast<float>(rng.uniform(-1, 1));
      target(0, c) = std::sin(2 * x(0, c)) * x(1, c);
    }
    net.zero_grad();
    const Mlp::Mat err = net.forward(x) - target;
    const double loss = err.squaredNorm() / B;
    net.backward(2.0f * err / static_cast<float>(B));
    adam.step(net);
    if (it == 0) first = loss;
    last = loss;
  }
  EXPECT_LT(last, 0.05 * first);
}

TEST(Adam, GradientClippingBoundsTheStepInput) {
  MlpD net({2, {4}, 1, false, false, false}, 8);
  MlpD::Mat x = MlpD::Mat::Random(2, 4);
  net.zero_grad();
  net.forward(x);
  net.backward(1000.0 * MlpD::Mat::Ones(1, 4));
  AdamConfig cfg{0.01};
  cfg.max_grad_norm = 1.0;
  AdamT<double> adam(net, cfg);
  const double norm = adam.step(net);
  EXPECT_GT(norm, 1.0);  // reported before clipping
}

}  // namespace
}  // namespace ocres::policy

#include "policy/network_io.h"

namespace ocres::policy {
namespace {

TEST(MlpIo, SaveLoadReproducesOutputsBitExactly) {
  Mlp net({6, {16, 16}, 3, true, true, false}, 11);
  io::TensorFile f;
  put_mlp(f, "actor.", net);
  f.metadata["task"] = "lift";
  const std::string path = "/tmp/ocres_mlp_io_test.safetensors";
  io::save_safetensors(path, f);
  Mlp loaded = get_mlp(io::load_safetensors(path), "actor.", path);
  Mlp::Mat x = Mlp::Mat::Random(6, 4);
  const Mlp::Mat a = net.forward(x);
  const Mlp::Mat b = loaded.forward(x);
  EXPECT_EQ((a - b).cwiseAbs().maxCoeff(), 0.0f);
}

TEST(MlpIo, MismatchedArchitectureIsAClearError) {
  Mlp net({6, {16}, 3, true, false, false}, 1);
  io::TensorFile f;
  put_mlp(f, "actor.", net);
  Mlp other({6, {32}, 3, true, false, false}, 1);
  try {
    load_into(f, "actor.", other, "ckpt");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("layers.0.weight"), std::string::npos);
  }
  EXPECT_THROW(get_mlp(f, "critic.", "ckpt"), InputError);
}

}  // namespace
}  // namespace ocres::policy
