// Environment step cost vs the raw MuJoCo physics it runs, per task, on one core.
//
// Method: run expert episodes. Before each control step, snapshot the mjData; time Env::step; then
// immediately replay the same number of physics substeps from the snapshot with bare mj_step (with the
// controls the env ended with) and time that too. Both timings cover the same states and contacts, at
// the same moment of machine load, so their ratio is the env's overhead (IK, servo correction, gravity
// compensation, observation, reward). Target (SPEC §8): ratio <= 1.10.
#include <chrono>
#include <cstdio>
#include <vector>

#include "eval/rollout.h"
#include "sim/domain.h"
#include "sim/mujoco_handles.h"
#include "tasks/registry.h"

using namespace ocres;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  const int episodes = argc > 1 ? std::atoi(argv[1]) : 4;
  const sim::DomainConfig domain = sim::load_domain("sim");
  std::printf("%-11s %12s %14s %14s %10s\n", "task", "ctrl steps", "env steps/s", "raw mj_step/s", "overhead");
  for (const std::string& name : tasks::task_names()) {
    auto scene = tasks::compile_task(name, domain);
    auto env = tasks::make_env(scene, domain);
    auto expert = tasks::make_task(name)->make_expert();
    const mjModel* m = env->model();
    const int sub = env->substeps();
    sim::DataPtr snapshot = sim::make_data(m);
    double env_seconds = 0, raw_seconds = 0;
    long env_steps = 0;
    for (int ep = 0; ep < episodes; ++ep) {
      const uint64_t seed = eval::episode_seed(7, ep);
      const sim::Observation* obs = &env->reset(seed);
      Rng rng(seed, 103);
      expert->reset(rng);
      for (int t = 0; t < env->horizon(); ++t) {
        const sim::Action a = expert->act(*obs);
        mj_copyData(snapshot.get(), m, env->data());
        auto t0 = Clock::now();
        const sim::StepResult r = env->step(a);
        env_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
        ++env_steps;
        obs = &env->observation();
        // Bare physics from the same state; the cost of mj_step does not depend on the control values.
        mjData* d = snapshot.get();
        std::copy(env->data()->ctrl, env->data()->ctrl + m->nu, d->ctrl);
        std::copy(env->data()->qfrc_applied, env->data()->qfrc_applied + m->nv, d->qfrc_applied);
        t0 = Clock::now();
        for (int k = 0; k < sub; ++k) mj_step(m, d);
        raw_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
        if (r.terminated || r.truncated) break;
      }
    }
    const long physics_steps_in_snaps = env_steps * sub;
    const double env_physics_rate = env_steps * sub / env_seconds;      // physics steps/s inside Env
    const double raw_rate = physics_steps_in_snaps / raw_seconds;        // bare mj_step/s
    std::printf("%-11s %12ld %14.0f %14.0f %9.3fx\n", name.c_str(), env_steps, env_steps / env_seconds, raw_rate,
                raw_rate / env_physics_rate);
  }
  std::printf("env steps/s: 20 Hz control steps (25 physics substeps each); overhead: Env time / bare mj_step time\n");
  return 0;
}
