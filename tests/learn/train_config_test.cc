#include "learn/train_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace ocres::learn {
namespace {

TEST(TrainConfig, EveryShippedConfigLoads) {
  const char* src = std::getenv("OCRES_SOURCE_DIR");
  ASSERT_NE(src, nullptr);
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(src) + "/configs/train")) {
    if (entry.path().extension() != ".yaml") continue;
    const std::string task = entry.path().stem().string() == "quick" ? "lift" : entry.path().stem().string();
    EXPECT_NO_THROW(load_residual_train_config(entry.path().string(), task)) << entry.path();
    ++files;
  }
  EXPECT_GE(files, 6);
}

TEST(TrainConfig, AlgorithmChoosesTheLearnerAndErrorsNameTheProblem) {
  const ResidualTrainConfig none = load_residual_train_config("", "stack");
  EXPECT_EQ(none.algorithm, ResidualAlgorithm::kTd3);
  EXPECT_EQ(none.td3.actor_lr, paper_td3_defaults("stack").actor_lr);
  const std::string path = (std::filesystem::temp_directory_path() / ("ocres_train_config_" + std::to_string(::getpid()) + ".yaml")).string();
  std::ofstream(path) << "algorithm: held_ppo\nhold_steps: 8\n";
  const ResidualTrainConfig ppo = load_residual_train_config(path, "stack");
  EXPECT_EQ(ppo.algorithm, ResidualAlgorithm::kHeldPpo);
  EXPECT_EQ(ppo.held_ppo.hold_steps, 8);
  std::ofstream(path) << "gamma: 0.9\n";
  const ResidualTrainConfig td3 = load_residual_train_config(path, "lift");
  EXPECT_EQ(td3.algorithm, ResidualAlgorithm::kTd3);
  EXPECT_EQ(td3.td3.gamma, 0.9);
  auto error = [&](const std::string& yaml) {
    std::ofstream(path) << yaml;
    try {
      load_residual_train_config(path, "lift");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error("algorithm: sac\n").find("sac"), std::string::npos);
  EXPECT_NE(error("algorithm: td3\nhold_steps: 8\n").find("hold_steps"), std::string::npos);  // a PPO key in a TD3 file
  EXPECT_NE(error("- 1\n- 2\n").find("map"), std::string::npos);
  std::remove(path.c_str());
  EXPECT_THROW(load_residual_train_config("/nonexistent/train.yaml", "lift"), InputError);
}

}  // namespace
}  // namespace ocres::learn
