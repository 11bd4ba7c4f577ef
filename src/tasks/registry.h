#pragma once
// The list of tasks. Adding a task: one folder under src/tasks/, one line in registry.cc; the smoke
// test in tests/tasks walks this list.
#include <memory>
#include <string>
#include <vector>

#include "sim/env.h"
#include "sim/robot_model.h"
#include "sim/task.h"

namespace ocres::tasks {

struct TaskEntry {
  std::string name;
  std::unique_ptr<sim::Task> (*make)();
};

const std::vector<TaskEntry>& task_registry();
std::vector<std::string> task_names();
// Throws InputError naming the unknown task and listing the known ones.
std::unique_ptr<sim::Task> make_task(const std::string& name);

// Builds the full MJCF of a task (robot + task objects).
std::string task_mjcf(const std::string& task, const sim::DomainConfig& domain);
// Compiles a task's scene once; use it to make many Envs.
std::shared_ptr<const sim::CompiledScene> compile_task(const std::string& task, const sim::DomainConfig& domain);
std::unique_ptr<sim::Env> make_env(const std::shared_ptr<const sim::CompiledScene>& scene,
                                   const sim::DomainConfig& domain, const sim::EnvConfig& config = {});

}  // namespace ocres::tasks
