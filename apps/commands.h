#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace ocres::apps {
// Adds every subcommand; each runs its work in a parse callback.
void register_commands(CLI::App& app);
// Per-area registration (one file each).
void register_sim_commands(CLI::App& app);
void register_learn_commands(CLI::App& app);
void register_train_commands(CLI::App& app);
void register_render_commands(CLI::App& app);
void register_pipeline_commands(CLI::App& app);
void register_deploy_commands(CLI::App& app);
void register_eval_commands(CLI::App& app);
void register_sweep_commands(CLI::App& app);
void register_improve_commands(CLI::App& app);
// "a,b,,c" -> {"a", "b", "c"}: a comma-separated option value, empty items dropped.
std::vector<std::string> split_list(const std::string& s);
}  // namespace ocres::apps
