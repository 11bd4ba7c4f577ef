#include "apps/commands.h"

#include <sstream>

namespace ocres::apps {
void register_commands(CLI::App& app) {
  register_sim_commands(app);
  register_learn_commands(app);
  register_train_commands(app);
  register_render_commands(app);
  register_pipeline_commands(app);
  register_deploy_commands(app);
  register_eval_commands(app);
  register_sweep_commands(app);
  register_improve_commands(app);
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace ocres::apps
