#include "policy/bc_policy.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include "core/action_codec.h"
#include "core/error.h"
#include "policy/network_io.h"

namespace ocres::policy {

void Normalizer::fit(const std::vector<float>& data, int dim, double min_std) {
  const size_t n = data.size() / dim;
  std::vector<double> sum(dim, 0), sq(dim, 0);
  for (size_t r = 0; r < n; ++r)
    for (int i = 0; i < dim; ++i) {
      sum[i] += data[r * dim + i];
      sq[i] += static_cast<double>(data[r * dim + i]) * data[r * dim + i];
    }
  mean.assign(dim, 0);
  inv_std.assign(dim, 1);
  for (int i = 0; i < dim; ++i) {
    const double m = sum[i] / std::max<size_t>(n, 1);
    const double var = std::max(0.0, sq[i] / std::max<size_t>(n, 1) - m * m);
    mean[i] = static_cast<float>(m);
    // Constant features (e.g. a pad) keep unit scale instead of dividing by ~0.
    inv_std[i] = static_cast<float>(1.0 / std::max(std::sqrt(var), min_std));
  }
}

BcInputLayout BcModelInfo::input_layout() const {
  if (tasks.empty()) return {num_objects, num_scalars, 0};
  BcInputLayout l{0, 0, static_cast<int>(tasks.size())};
  for (const BcTaskSpec& t : tasks) {
    l.object_slots = std::max(l.object_slots, t.num_objects);
    l.scalar_slots = std::max(l.scalar_slots, t.num_scalars);
  }
  return l;
}

std::string BcModelInfo::task_list() const {
  if (tasks.empty()) return task;
  std::string s;
  for (const BcTaskSpec& t : tasks) s += (s.empty() ? "" : ", ") + t.task;
  return s;
}

BcPolicy::BcPolicy(Mlp net, Normalizer in, Normalizer out, BcModelInfo info)
    : net_(std::move(net)), in_(std::move(in)), out_(std::move(out)), info_(std::move(info)), localization_(info_.localization) {
  OCRES_CHECK(net_.input_dim() == info_.input_layout().dim(), "BC input size mismatch");
  OCRES_CHECK(net_.output_dim() == kBcOutputDim, "BC output size mismatch");
  if (info_.multi_task()) {
    const std::string selected = info_.task;
    task_index_ = -1;
    if (!selected.empty()) select_task(selected);
  }
  input_.resize(net_.input_dim());
  output_.resize(net_.output_dim());
}

void BcPolicy::select_task(const std::string& task) {
  if (!info_.multi_task()) {
    if (task != info_.task) throw InputError("a base policy for task '" + info_.task + "', not '" + task + "'");
    return;
  }
  for (size_t k = 0; k < info_.tasks.size(); ++k)
    if (info_.tasks[k].task == task) {
      const BcTaskSpec& t = info_.tasks[k];
      OCRES_CHECK(t.num_objects <= kMaxObjects && t.num_scalars <= kMaxTaskScalars, "task spec exceeds the observation capacity");
      info_.task = t.task;
      info_.num_objects = t.num_objects;
      info_.num_scalars = t.num_scalars;
      info_.horizon = t.horizon;
      info_.localization = t.localization;
      localization_ = perception::VlaLocalization(t.localization);
      task_index_ = static_cast<int>(k);
      return;
    }
  throw InputError("a multi-task base policy for tasks " + info_.task_list() + "; not for '" + task + "'");
}

void BcPolicy::reset(Rng& rng) {
  rng_.reseed(rng.next_u64());
  localization_.reset(rng_, info_.num_objects, info_.num_scalars);
}

void BcPolicy::predict_chunk(const Observation& obs, std::span<Action> chunk) {
  if (task_index_ < 0)
    throw InputError("multi-task base policy (tasks " + info_.task_list() + ") used without a selected task");
  if (obs.num_objects != info_.num_objects || obs.num_scalars != info_.num_scalars)
    throw InputError("BC policy for task '" + info_.task + "' got an observation with another layout");
  std::array<Pose, kMaxObjects> seen;
  for (int i = 0; i < obs.num_objects; ++i) seen[i] = localization_.observe(i, obs.X_BO[i], rng_);
  std::array<double, kMaxTaskScalars> seen_scalars{};
  for (int j = 0; j < obs.num_scalars; ++j) seen_scalars[j] = localization_.observe_scalar(j, obs.scalars[j], rng_);
  float robot[kRobotDim];
  encode_robot(obs.robot, robot);
  build_bc_input(info_.input_layout(), robot, std::span<const Pose>(seen.data(), obs.num_objects),
                 std::span<const double>(seen_scalars.data(), obs.num_scalars), static_cast<double>(obs.t) / info_.horizon,
                 task_index_, input_.data());
  in_.apply(input_.data());
  net_.forward_one(input_.data(), output_.data());
  out_.invert(output_.data());
  decode_bc_chunk(obs.robot.X_BT, output_.data(), chunk);
}

namespace {
io::Tensor vec_tensor(const std::vector<float>& v) { return {{static_cast<int64_t>(v.size())}, v}; }

nlohmann::json localization_json(const perception::VlaLocalizationConfig& l) {
  return {{"bias_position_std_m", l.bias_position_std_m}, {"bias_yaw_std_rad", l.bias_yaw_std_rad},
          {"noise_position_std_m", l.noise_position_std_m}, {"noise_yaw_std_rad", l.noise_yaw_std_rad},
          {"bias_scalar_std", l.bias_scalar_std},           {"noise_scalar_std", l.noise_scalar_std}};
}

perception::VlaLocalizationConfig localization_from_json(const nlohmann::json& l) {
  perception::VlaLocalizationConfig c;
  c.bias_position_std_m = l.at("bias_position_std_m").get<double>();
  c.bias_yaw_std_rad = l.at("bias_yaw_std_rad").get<double>();
  c.noise_position_std_m = l.at("noise_position_std_m").get<double>();
  c.noise_yaw_std_rad = l.at("noise_yaw_std_rad").get<double>();
  c.bias_scalar_std = l.value("bias_scalar_std", 0.0);  // absent in files written before the drawer's scalar error
  c.noise_scalar_std = l.value("noise_scalar_std", 0.0);
  return c;
}
}  // namespace

void BcPolicy::save(const std::string& path) {
  io::TensorFile f;
  put_mlp(f, "bc.", net_);
  f.tensors["normalizer.input.mean"] = vec_tensor(in_.mean);
  f.tensors["normalizer.input.inv_std"] = vec_tensor(in_.inv_std);
  f.tensors["normalizer.output.mean"] = vec_tensor(out_.mean);
  f.tensors["normalizer.output.inv_std"] = vec_tensor(out_.inv_std);
  f.metadata["ocres.kind"] = "bc_base_policy";
  nlohmann::json j{{"task", info_.task},
                   {"domain", info_.domain},
                   {"num_objects", info_.num_objects},
                   {"num_scalars", info_.num_scalars},
                   {"horizon", info_.horizon},
                   {"chunk", kBcChunk},
                   {"input_layout", "robot(10) objects(7n) scalars(m) progress(1)"},
                   {"output_layout", "16 x [dp(3) drotvec(3) gripper(1) pad(1)] relative to the TCP"},
                   {"localization", localization_json(info_.localization)}};
  if (info_.multi_task()) {
    // "task" = "multi" and slot counts in num_objects/num_scalars: a reader that predates multi-task
    // models refuses the file (wrong task, wrong sizes) instead of misreading it.
    const BcInputLayout layout = info_.input_layout();
    nlohmann::json tasks = nlohmann::json::array();
    int horizon = 0;
    for (const BcTaskSpec& t : info_.tasks) {
      tasks.push_back({{"task", t.task},
                       {"num_objects", t.num_objects},
                       {"num_scalars", t.num_scalars},
                       {"horizon", t.horizon},
                       {"localization", localization_json(t.localization)}});
      horizon = std::max(horizon, t.horizon);
    }
    j["task"] = "multi";
    j["tasks"] = tasks;
    j["num_objects"] = layout.object_slots;
    j["num_scalars"] = layout.scalar_slots;
    j["horizon"] = horizon;
    j["input_layout"] =
        "robot(10) object slots(7N) scalar slots(M) progress(1) object-TCP slots(3N) task one-hot(K); N, M = max over tasks, "
        "unused slots zero; one-hot in the order of 'tasks'";
  }
  f.metadata["ocres.info"] = j.dump();
  if (!info_.provenance.empty()) f.metadata["ocres.provenance"] = info_.provenance;
  io::save_safetensors(path, f);
}

BcPolicy BcPolicy::load(const std::string& path) {
  const io::TensorFile f = io::load_safetensors(path);
  const auto kind = f.metadata.find("ocres.kind");
  if (kind == f.metadata.end() || kind->second != "bc_base_policy")
    throw InputError("'" + path + "' is not an ocres BC base policy");
  BcModelInfo info;
  try {
    const auto j = nlohmann::json::parse(f.metadata.at("ocres.info"));
    info.task = j.at("task").get<std::string>();
    info.domain = j.at("domain").get<std::string>();
    info.num_objects = j.at("num_objects").get<int>();
    info.num_scalars = j.at("num_scalars").get<int>();
    info.horizon = j.at("horizon").get<int>();
    info.localization = localization_from_json(j.at("localization"));
    if (j.contains("tasks")) {
      for (const auto& t : j.at("tasks")) {
        BcTaskSpec spec{t.at("task").get<std::string>(), t.at("num_objects").get<int>(), t.at("num_scalars").get<int>(),
                        t.at("horizon").get<int>(),
                        t.contains("localization") ? localization_from_json(t.at("localization")) : info.localization};
        if (spec.num_objects < 0 || spec.num_objects > kMaxObjects || spec.num_scalars < 0 || spec.num_scalars > kMaxTaskScalars ||
            spec.horizon <= 0)
          throw InputError("'" + path + "': task '" + spec.task + "' has out-of-range sizes in its metadata");
        info.tasks.push_back(spec);
      }
      if (info.tasks.empty()) throw InputError("'" + path + "': multi-task metadata lists no task");
      info.task.clear();  // none selected yet
    }
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw InputError("'" + path + "': malformed BC metadata: " + e.what());
  }
  if (const auto p = f.metadata.find("ocres.provenance"); p != f.metadata.end()) info.provenance = p->second;
  Mlp net = get_mlp(f, "bc.", path);
  if (net.input_dim() != info.input_layout().dim() || net.output_dim() != kBcOutputDim)
    throw InputError("'" + path + "': network sizes do not match its observation layout");
  auto vec = [&](const std::string& name, int dim) {
    const auto it = f.tensors.find(name);
    if (it == f.tensors.end() || static_cast<int>(it->second.values.size()) != dim)
      throw InputError("'" + path + "': missing or mis-sized tensor '" + name + "'");
    return it->second.values;
  };
  Normalizer in{vec("normalizer.input.mean", net.input_dim()), vec("normalizer.input.inv_std", net.input_dim())};
  Normalizer out{vec("normalizer.output.mean", kBcOutputDim), vec("normalizer.output.inv_std", kBcOutputDim)};
  return BcPolicy(std::move(net), std::move(in), std::move(out), std::move(info));
}

BcPolicy BcPolicy::load_for_task(const std::string& path, const std::string& task) {
  BcPolicy p = load(path);
  try {
    p.select_task(task);
  } catch (const InputError& e) {
    throw InputError("'" + path + "' is " + e.what());
  }
  return p;
}

}  // namespace ocres::policy
