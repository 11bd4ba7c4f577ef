#include "tasks/registry.h"

#include "core/error.h"
#include "tasks/lift/lift.h"
#include "tasks/pick_place/pick_place.h"
#include "tasks/stack/stack.h"
#include "tasks/drawer/drawer.h"
#include "tasks/cup/cup.h"

namespace ocres::tasks {

const std::vector<TaskEntry>& task_registry() {
  static const std::vector<TaskEntry> kTasks = {
      {"lift", &make_lift_task},
      {"pick_place", &make_pick_place_task},
      {"stack", &make_stack_task},
      {"drawer", &make_drawer_task},
      {"cup", &make_cup_task},
  };
  return kTasks;
}

std::vector<std::string> task_names() {
  std::vector<std::string> out;
  for (const auto& t : task_registry()) out.push_back(t.name);
  return out;
}

std::unique_ptr<sim::Task> make_task(const std::string& name) {
  for (const auto& t : task_registry())
    if (t.name == name) return t.make();
  std::string known;
  for (const auto& t : task_registry()) known += (known.empty() ? "" : ", ") + t.name;
  throw InputError("unknown task '" + name + "' (known tasks: " + known + ")");
}

std::string task_mjcf(const std::string& task, const sim::DomainConfig& domain) {
  auto t = make_task(task);
  sim::SceneBuilder scene;
  sim::RobotModelOptions robot;
  robot.gripper_force_N = domain.gripper_force_N.value;
  sim::add_robot(scene, robot);
  t->build(scene);
  sim::SceneOptions options;
  options.timestep_s = domain.timestep_s;
  return scene.xml("ocres_" + task, options);
}

std::shared_ptr<const sim::CompiledScene> compile_task(const std::string& task, const sim::DomainConfig& domain) {
  return std::make_shared<const sim::CompiledScene>(make_task(task), task_mjcf(task, domain));
}

std::unique_ptr<sim::Env> make_env(const std::shared_ptr<const sim::CompiledScene>& scene,
                                   const sim::DomainConfig& domain, const sim::EnvConfig& config) {
  return std::make_unique<sim::Env>(scene, make_task(scene->prototype().info().name), domain, config);
}

}  // namespace ocres::tasks
