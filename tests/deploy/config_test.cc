// The deployment config: strict YAML (unknown keys are errors), nested limits and gate, and errors that
// name the bad value.
#include <gtest/gtest.h>

#include "deploy/deploy_config.h"

namespace ocres::deploy {
namespace {

DeployConfig parse(const std::string& yaml) {
  return parse_deploy_config(YamlFields(load_yaml_string(yaml, "deploy.yaml"), "deploy.yaml"));
}

void expect_error(const std::string& yaml, const std::string& needle) {
  try {
    parse(yaml);
    ADD_FAILURE() << "accepted: " << yaml;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(DeployConfig, DefaultsReproduceTheSimulationEvaluation) {
  const DeployConfig c = parse("{}");
  EXPECT_EQ(c.rate_hz, 20.0);
  EXPECT_EQ(c.no_chunk, NoChunkPolicy::kWait);
  EXPECT_EQ(c.prefetch_ticks, 0);
  EXPECT_EQ(c.gate.min_confidence, 0.5);
  const policy::SafetyLimits sim;  // what learn::ResidualEnv clamps with
  EXPECT_EQ(c.limits.max_translation_per_step_m, sim.max_translation_per_step_m);
  EXPECT_EQ(c.limits.workspace_lo_m, sim.workspace_lo_m);
}

TEST(DeployConfig, ReadsNestedMaps) {
  const DeployConfig c = parse(R"(
rate_hz: 15
no_chunk: hold
prefetch_ticks: 4
limits: {workspace_lo_m: [0.2, -0.5, 0.0], max_rotation_per_step_rad: 0.2}
gate: {min_confidence: 0.6, max_age_s: 0.1}
)");
  EXPECT_EQ(c.rate_hz, 15);
  EXPECT_EQ(c.no_chunk, NoChunkPolicy::kHold);
  EXPECT_EQ(c.prefetch_ticks, 4);
  EXPECT_EQ(c.limits.workspace_lo_m, Vec3(0.2, -0.5, 0.0));
  EXPECT_EQ(c.limits.max_rotation_per_step_rad, 0.2);
  EXPECT_EQ(c.gate.min_confidence, 0.6);
  EXPECT_EQ(c.gate.max_age_s, 0.1);
}

TEST(DeployConfig, BadValuesAreNamed) {
  expect_error("no_chunk: sleep\n", "sleep");
  expect_error("rate_hz: -3\n", "rate_hz");
  expect_error("max_residual: 2\n", "max_residual");
  expect_error("limits: {workspace_lo_m: [0.2, 0.0]}\n", "workspace_lo_m");
  expect_error("limits: {workspace_lo_m: [0.9, -0.5, 0.0]}\n", "workspace_lo_m[0]");
  expect_error("gate: {min_confidense: 0.5}\n", "min_confidense");
  expect_error("divergence: 0.1\n", "divergence");
}

}  // namespace
}  // namespace ocres::deploy
