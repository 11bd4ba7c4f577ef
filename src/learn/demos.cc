#include "learn/demos.h"

#include <atomic>
#include <mutex>

#include "core/action_codec.h"
#include "core/error.h"
#include "core/parallel.h"
#include "learn/teleop.h"
#include "tasks/registry.h"

namespace ocres::learn {

void append_observation(EpisodeRecord& rec, const Observation& o) {
  auto put = [&](const std::string& key, int dim, auto&& fill) {
    rec.obs_dims[key] = dim;
    auto& v = rec.obs[key];
    const size_t at = v.size();
    v.resize(at + dim);
    fill(v.data() + at);
  };
  put("robot_q", 7, [&](float* p) {
    for (int i = 0; i < 7; ++i) p[i] = static_cast<float>(o.robot.q[i]);
  });
  put("robot", kRobotDim, [&](float* p) { encode_robot(o.robot, p); });
  put("object_poses", kPoseDim * o.num_objects, [&](float* p) {
    for (int i = 0; i < o.num_objects; ++i) encode_pose(o.X_BO[i], p + kPoseDim * i);
  });
  if (o.num_scalars > 0)
    put("task_scalars", o.num_scalars, [&](float* p) {
      for (int i = 0; i < o.num_scalars; ++i) p[i] = static_cast<float>(o.scalars[i]);
    });
}

namespace {

void append_obs(EpisodeRecord& rec, const sim::Env& env) { append_observation(rec, env.observation()); }

// `encoded` is the float32 action exactly as stored (and, decoded, exactly as executed).
void append_step(EpisodeRecord& rec, const float* encoded, const sim::StepResult& r, bool last) {
  rec.actions.insert(rec.actions.end(), encoded, encoded + kActionDim);
  rec.rewards.push_back(static_cast<float>(r.reward));
  rec.dones.push_back(last ? 1.0f : 0.0f);
  ++rec.length;
}

}  // namespace

int steps_after_success(const std::string& task) { return task == "drawer" ? 30 : 0; }

EpisodeRecord record_episode(sim::Env& env, StepPolicy& policy, uint64_t seed, StepCamera* camera) {
  EpisodeRecord rec;
  rec.seed = seed;
  const Observation* obs = &env.reset(seed);
  Rng rng(seed, /*stream=*/103);
  policy.reset(rng);
  const int after_success = steps_after_success(env.task_info().name);
  int left = -1;  // steps still to record after the first success; < 0 before it
  while (true) {
    append_obs(rec, env);
    if (camera) camera->capture(env, rec);
    // Execute exactly what the dataset stores (float32), so that a replay reproduces the episode.
    float encoded[kActionDim];
    encode_action(policy.act(*obs), encoded);
    const Action a = decode_action(encoded);
    const sim::StepResult r = env.step(a);
    obs = &env.observation();
    if (r.success && left < 0) {
      rec.success = true;
      left = after_success;
    }
    const bool last = (r.terminated && !r.success) || r.truncated || left == 0;
    append_step(rec, encoded, r, last);
    if (last) break;
    if (left > 0) --left;
  }
  return rec;
}

EpisodeRecord replay_episode(sim::Env& env, const EpisodeRecord& demo, StepCamera* camera) {
  EpisodeRecord rec;
  rec.seed = demo.seed;
  env.reset(demo.seed);
  const bool past_success = steps_after_success(env.task_info().name) > 0;
  for (int t = 0; t < demo.length; ++t) {
    append_obs(rec, env);
    if (camera) camera->capture(env, rec);
    // The replay executes the decoded action: identical to the recorded one up to float rounding,
    // and identical across domains, which is what pairs the datasets.
    const float* encoded = demo.actions.data() + static_cast<size_t>(t) * kActionDim;
    const sim::StepResult r = env.step(decode_action(encoded));
    const bool last = ((r.terminated || r.truncated) && !past_success) || t + 1 == demo.length;
    append_step(rec, encoded, r, last);
    rec.success = past_success ? rec.success || r.success : r.success;
    if (last) break;
  }
  return rec;
}

EpisodeRecord add_images(sim::Env& env, const EpisodeRecord& demo, StepCamera& camera) {
  EpisodeRecord rec = replay_episode(env, demo, &camera);
  if (rec.length != demo.length || rec.obs != demo.obs || rec.rewards != demo.rewards || rec.success != demo.success)
    throw InputError("re-executing the episode of seed " + std::to_string(demo.seed) + " for its images did not reproduce it (" +
                     std::to_string(rec.length) + " vs " + std::to_string(demo.length) +
                     " steps): was it recorded in another domain or task?");
  rec.dones = demo.dones;
  return rec;
}

DemoCollectionResult collect_demos(const DemoCollectionConfig& cfg) {
  const sim::DomainConfig domain = sim::load_domain(cfg.domain);
  auto scene = tasks::compile_task(cfg.task, domain);
  const int workers = std::max(1, cfg.threads);
  std::vector<std::unique_ptr<sim::Env>> envs;
  for (int w = 0; w < workers; ++w) envs.push_back(tasks::make_env(scene, domain));
  // Attempts run in batches; results are ordered by attempt index, so the kept set does not depend on
  // the thread count.
  DemoCollectionResult result;
  ThreadPool pool(workers);
  int next_attempt = 0;
  while (static_cast<int>(result.demos.size()) < cfg.count && next_attempt < cfg.max_attempts) {
    const int batch = std::min(workers * 4, cfg.max_attempts - next_attempt);
    std::vector<EpisodeRecord> recs(batch);
    std::atomic<int> next{0};
    pool.parallel_for(workers, [&](int w) {
      TeleopEmulator teleop(tasks::make_task(cfg.task)->make_expert());
      for (int j = next++; j < batch; j = next++)
        recs[j] = record_episode(*envs[w], teleop, episode_seed(cfg.seed, next_attempt + j));
    });
    for (int j = 0; j < batch && static_cast<int>(result.demos.size()) < cfg.count; ++j) {
      ++result.attempts;
      if (recs[j].success) result.demos.push_back(std::move(recs[j]));
    }
    next_attempt += batch;
  }
  return result;
}

}  // namespace ocres::learn
