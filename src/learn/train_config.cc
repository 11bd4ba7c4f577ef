#include "learn/train_config.h"

#include "core/config.h"

namespace ocres::learn {

Td3Config paper_td3_defaults(const std::string& task) {
  Td3Config c;
  const bool fast_actor = task == "pick_place" || task == "stack";
  c.actor_lr = fast_actor ? 3e-4 : 1e-5;
  c.critic_lr = fast_actor ? 3e-4 : 1e-4;
  c.gamma = (task == "stack" || task == "cup") ? 0.95 : 0.99;
  c.offline_fraction = fast_actor ? 0.3 : 0.5;
  return c;
}

ResidualTrainConfig load_residual_train_config(const std::string& path, const std::string& task) {
  ResidualTrainConfig c;
  c.td3 = paper_td3_defaults(task);
  if (path.empty()) return c;
  const YAML::Node yaml = load_yaml_file(path);
  if (!yaml.IsMap()) throw InputError(path + ": a training config is a YAML map");
  std::string algorithm = "td3";
  if (yaml["algorithm"]) algorithm = yaml["algorithm"].as<std::string>("");
  if (algorithm == "held_ppo") {
    c.algorithm = ResidualAlgorithm::kHeldPpo;
    c.held_ppo = parse_held_ppo_config(YamlFields(yaml, path), c.held_ppo);
  } else if (algorithm == "td3") {
    c.td3 = parse_td3_config(YamlFields(yaml, path), c.td3);
  } else {
    throw InputError(path + ": algorithm '" + algorithm + "' is not one of td3, held_ppo");
  }
  return c;
}

}  // namespace ocres::learn
