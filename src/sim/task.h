#pragma once
// The task interface. A task contributes objects to the scene, samples start states, measures progress
// (dense reward in [0, 1]) and success, exposes the object poses a policy may observe, and ships a
// scripted expert that uses the true state. One Task instance belongs to one Env (it may keep
// per-episode state); the constant part (scene) is built once per model.
#include <mujoco/mujoco.h>

#include <memory>
#include <string>
#include <vector>

#include "core/policy_interface.h"
#include "core/rng.h"
#include "sim/observation.h"
#include "sim/scene.h"

namespace ocres::sim {

struct TaskInfo {
  std::string name;                       // registry name, e.g. "lift"
  std::string title;                      // human name, e.g. "Cube Lift"
  int horizon = 500;                      // control steps at 20 Hz
  std::vector<std::string> object_names;  // order of Observation::X_BO
  std::vector<std::string> scalar_names;  // order of Observation::scalars
  bool requires_grasp = true;             // false for tasks solved by pushing (failure classification)
  // Where on object 0 the hand goes for, in that object's frame (m): its origin for the blocks and
  // cubes; the cup's frame sits at the centre of its bottom disc, and the hand grasps the body 6.5 cm
  // up the axis. Failure classification ("never reached") and the scripted correction measure from it.
  Vec3 grasp_point_O = Vec3::Zero();
};

struct TaskEval {
  double reward = 0;     // dense staged reward in [0, 1] short of success (sim::Env pays 1 on a success step)
  bool success = false;  // terminal success
  bool failed = false;   // terminal failure (e.g. object off the table): ends the episode
  bool grasped = false;  // the task's object is held (both pads touch it)
  double progress = 0;   // task progress in [0, 1] (lift height / placement / closure / uprightness)
};

using ocres::StepPolicy;

class Task {
 public:
  virtual ~Task() = default;
  virtual const TaskInfo& info() const = 0;
  // Adds the task's bodies (and anything else) to the scene. Must not depend on per-episode state.
  virtual void build(SceneBuilder& scene) const = 0;
  // Resolves ids in a compiled model (called once per Env).
  virtual void bind(const mjModel* m) = 0;
  // Samples the start state of the task's objects into d->qpos/qvel (the robot is already at home).
  virtual void reset(const mjModel* m, mjData* d, Rng& rng) = 0;
  // Fills obs.X_BO / obs.scalars from the simulator state.
  virtual void observe(const mjModel* m, const mjData* d, Observation& obs) const = 0;
  // Reward and termination after a control step.
  virtual TaskEval evaluate(const mjModel* m, const mjData* d, const Observation& obs) = 0;
  // A scripted expert that uses the true object poses.
  virtual std::unique_ptr<StepPolicy> make_expert() const = 0;
};

}  // namespace ocres::sim
