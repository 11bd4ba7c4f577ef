#include "policy/residual_file.h"

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/safetensors.h"
#include "policy/network_io.h"

namespace ocres::policy {

void save_residual(const std::string& path, ResidualModel& m) {
  io::TensorFile f;
  put_mlp(f, "actor.", m.actor);
  f.tensors["obs_norm.mean"] = {{static_cast<int64_t>(m.obs_norm.mean.size())}, m.obs_norm.mean};
  f.tensors["obs_norm.inv_std"] = {{static_cast<int64_t>(m.obs_norm.inv_std.size())}, m.obs_norm.inv_std};
  f.metadata["ocres.kind"] = "residual";
  f.metadata["ocres.residual"] = nlohmann::json{{"task", m.task},
                                                {"num_objects", m.layout.num_objects},
                                                {"num_scalars", m.layout.num_scalars},
                                                {"obs_names", m.layout.names()},
                                                {"position_scale_m", m.scales.position_m},
                                                {"rotation_scale_rad", m.scales.rotation_rad},
                                                {"gripper_scale_m", m.scales.gripper_m},
                                                {"position_off_below_base_grip_m", m.scales.position_off_below_base_grip_m},
                                                {"action", "tanh in [-1,1]^7: dx dy dz (x position_scale_m), rx ry rz XYZ Euler (x rotation_scale_rad, right-multiplied), dgripper (x gripper_scale_m)"},
                                                {"base", m.base}}
                                     .dump();
  io::save_safetensors(path, f);
}

ResidualModel load_residual(const std::string& path) {
  const io::TensorFile f = io::load_safetensors(path);
  const auto kind = f.metadata.find("ocres.kind");
  if (kind == f.metadata.end() || kind->second != "residual") throw InputError("'" + path + "' is not an ocres residual");
  ResidualModel m{get_mlp(f, "actor.", path), "", {}, {}, "", {}};
  try {
    const auto j = nlohmann::json::parse(f.metadata.at("ocres.residual"));
    m.task = j.at("task").get<std::string>();
    m.layout.num_objects = j.at("num_objects").get<int>();
    m.layout.num_scalars = j.at("num_scalars").get<int>();
    m.scales.position_m = j.at("position_scale_m").get<double>();
    m.scales.rotation_rad = j.at("rotation_scale_rad").get<double>();
    m.scales.gripper_m = j.at("gripper_scale_m").get<double>();
    // Absent in files written before the gate existed: their correction was always on.
    m.scales.position_off_below_base_grip_m = j.value("position_off_below_base_grip_m", 0.0);
    m.base = j.value("base", "");
    // The names pin the meaning of every input: a file from another layout version is refused here
    // rather than silently fed shifted features.
    if (j.at("obs_names").get<std::vector<std::string>>() != m.layout.names())
      throw InputError("'" + path + "' was trained on another observation layout (see its obs_names); retrain it with this version");
  } catch (const InputError&) {
    throw;
  } catch (const std::exception& e) {
    throw InputError("'" + path + "': malformed residual metadata: " + e.what());
  }
  for (const char* name : {"obs_norm.mean", "obs_norm.inv_std"}) {
    const auto it = f.tensors.find(name);
    if (it == f.tensors.end() || static_cast<int>(it->second.values.size()) != m.actor.input_dim())
      throw InputError("'" + path + "': missing or mis-sized '" + name + "'");
  }
  m.obs_norm.mean = f.tensors.at("obs_norm.mean").values;
  m.obs_norm.inv_std = f.tensors.at("obs_norm.inv_std").values;
  if (m.actor.input_dim() != m.layout.dim() || m.actor.output_dim() != policy::kResidualDim)
    throw InputError("'" + path + "': actor sizes do not match its observation layout");
  return m;
}

}  // namespace ocres::policy
