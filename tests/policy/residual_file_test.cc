#include "policy/residual_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "core/error.h"
#include "io/safetensors.h"

namespace ocres::policy {
namespace {

ResidualModel small_model() {
  ResidualModel m;
  m.task = "cup";
  m.base = "cup_sim.safetensors";
  m.actor = Mlp(MlpConfig{.input_dim = m.layout.dim(), .hidden = {8}, .output_dim = kResidualDim, .tanh_output = true}, 3);
  m.obs_norm.mean.assign(m.layout.dim(), 0.1f);
  m.obs_norm.inv_std.assign(m.layout.dim(), 2.0f);
  return m;
}

// Scales, the grasp gate included, survive the file; the actor computes the same outputs.
TEST(ResidualFile, RoundTripKeepsScalesAndActor) {
  const std::string path = ::testing::TempDir() + "/residual_file_roundtrip.safetensors";
  ResidualModel m = small_model();
  m.scales.position_m = 0.03;
  m.scales.position_off_below_base_grip_m = 0.04;
  save_residual(path, m);
  ResidualModel r = load_residual(path);
  EXPECT_EQ(r.task, "cup");
  EXPECT_EQ(r.base, "cup_sim.safetensors");
  EXPECT_DOUBLE_EQ(r.scales.position_m, 0.03);
  EXPECT_DOUBLE_EQ(r.scales.position_off_below_base_grip_m, 0.04);
  Mlp::Mat x = Mlp::Mat::Constant(m.layout.dim(), 1, 0.3f);
  EXPECT_TRUE(r.actor.forward(x).isApprox(m.actor.forward(x)));
  std::remove(path.c_str());
}

// A file written before the gate existed (no key) loads with the correction always on.
TEST(ResidualFile, FilesWithoutTheGateKeyLoadUngated) {
  const std::string path = ::testing::TempDir() + "/residual_file_old.safetensors";
  ResidualModel m = small_model();
  save_residual(path, m);
  io::TensorFile f = io::load_safetensors(path);
  std::string& meta = f.metadata.at("ocres.residual");
  const std::string key = "\"position_off_below_base_grip_m\":0.0,";
  const size_t at = meta.find(key);
  ASSERT_NE(at, std::string::npos) << meta;
  meta.erase(at, key.size());
  io::save_safetensors(path, f);
  EXPECT_DOUBLE_EQ(load_residual(path).scales.position_off_below_base_grip_m, 0.0);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace ocres::policy
