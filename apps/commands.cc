#include "apps/commands.h"

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
}  // namespace ocres::apps
