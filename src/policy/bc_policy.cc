#include "policy/bc_policy.h"

#include <nlohmann/json.hpp>

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

BcPolicy::BcPolicy(Mlp net, Normalizer in, Normalizer out, BcModelInfo info)
    : net_(std::move(net)), in_(std::move(in)), out_(std::move(out)), info_(std::move(info)), localization_(info_.localization) {
  OCRES_CHECK(net_.input_dim() == bc_input_dim(info_.num_objects, info_.num_scalars), "BC input size mismatch");
  OCRES_CHECK(net_.output_dim() == kBcOutputDim, "BC output size mismatch");
  input_.resize(net_.input_dim());
  output_.resize(net_.output_dim());
}

void BcPolicy::reset(Rng& rng) {
  rng_.reseed(rng.next_u64());
  localization_.reset(rng_, info_.num_objects);
}

void BcPolicy::predict_chunk(const Observation& obs, std::span<Action> chunk) {
  if (obs.num_objects != info_.num_objects || obs.num_scalars != info_.num_scalars)
    throw InputError("BC policy for task '" + info_.task + "' got an observation with another layout");
  std::array<Pose, kMaxObjects> seen;
  for (int i = 0; i < obs.num_objects; ++i) seen[i] = localization_.observe(i, obs.X_BO[i], rng_);
  float robot[kRobotDim];
  encode_robot(obs.robot, robot);
  build_bc_input(robot, std::span<const Pose>(seen.data(), obs.num_objects),
                 std::span<const double>(obs.scalars.data(), obs.num_scalars),
                 static_cast<double>(obs.t) / info_.horizon, input_.data());
  in_.apply(input_.data());
  net_.forward_one(input_.data(), output_.data());
  out_.invert(output_.data());
  decode_bc_chunk(obs.robot.X_BT, output_.data(), chunk);
}

namespace {
io::Tensor vec_tensor(const std::vector<float>& v) { return {{static_cast<int64_t>(v.size())}, v}; }
}  // namespace

void BcPolicy::save(const std::string& path) {
  io::TensorFile f;
  put_mlp(f, "bc.", net_);
  f.tensors["normalizer.input.mean"] = vec_tensor(in_.mean);
  f.tensors["normalizer.input.inv_std"] = vec_tensor(in_.inv_std);
  f.tensors["normalizer.output.mean"] = vec_tensor(out_.mean);
  f.tensors["normalizer.output.inv_std"] = vec_tensor(out_.inv_std);
  const auto& l = info_.localization;
  f.metadata["ocres.kind"] = "bc_base_policy";
  f.metadata["ocres.info"] = nlohmann::json{{"task", info_.task},
                                            {"domain", info_.domain},
                                            {"num_objects", info_.num_objects},
                                            {"num_scalars", info_.num_scalars},
                                            {"horizon", info_.horizon},
                                            {"chunk", kBcChunk},
                                            {"input_layout", "robot(10) objects(7n) scalars(m) progress(1)"},
                                            {"output_layout", "16 x [dp(3) drotvec(3) gripper(1) pad(1)] relative to the TCP"},
                                            {"localization",
                                             {{"bias_position_std_m", l.bias_position_std_m},
                                              {"bias_yaw_std_rad", l.bias_yaw_std_rad},
                                              {"noise_position_std_m", l.noise_position_std_m},
                                              {"noise_yaw_std_rad", l.noise_yaw_std_rad}}}}
                                 .dump();
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
    const auto& l = j.at("localization");
    info.localization.bias_position_std_m = l.at("bias_position_std_m").get<double>();
    info.localization.bias_yaw_std_rad = l.at("bias_yaw_std_rad").get<double>();
    info.localization.noise_position_std_m = l.at("noise_position_std_m").get<double>();
    info.localization.noise_yaw_std_rad = l.at("noise_yaw_std_rad").get<double>();
  } catch (const std::exception& e) {
    throw InputError("'" + path + "': malformed BC metadata: " + e.what());
  }
  Mlp net = get_mlp(f, "bc.", path);
  if (net.input_dim() != bc_input_dim(info.num_objects, info.num_scalars) || net.output_dim() != kBcOutputDim)
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

}  // namespace ocres::policy
