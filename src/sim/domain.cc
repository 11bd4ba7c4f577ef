#include "sim/domain.h"

#include <cstdlib>
#include <filesystem>

namespace ocres::sim {

DomainConfig parse_domain(const YAML::Node& node, const std::string& context) {
  DomainConfig d;
  YamlFields f(node, context);
  f.get("name", d.name);
  f.get_in_range("timestep_s", d.timestep_s, 1e-4, 0.01);
  f.get_in_range("control_latency_steps", d.control_latency_steps, 0, 10);
  struct KnobSpec {
    const char* key;
    Knob* knob;
    double lo, hi;
  };
  const KnobSpec knobs[] = {
      {"object_friction", &d.object_friction, 0.05, 3.0},
      {"finger_friction", &d.finger_friction, 0.05, 3.0},
      {"table_friction", &d.table_friction, 0.05, 3.0},
      {"object_mass_scale", &d.object_mass_scale, 0.1, 10.0},
      {"joint_damping_scale", &d.joint_damping_scale, 0.1, 10.0},
      {"actuator_kp_scale", &d.actuator_kp_scale, 0.1, 10.0},
      {"gripper_force_N", &d.gripper_force_N, 1.0, 200.0},
      {"fixture_damping_scale", &d.fixture_damping_scale, 0.0, 20.0},
  };
  for (const KnobSpec& s : knobs) {
    if (!f.has(s.key)) {
      f.get(s.key, s.knob->value);  // marks the key as known
      continue;
    }
    const YAML::Node v = node[s.key];
    if (v.IsMap()) {
      YamlFields kf = f.child(s.key);
      kf.get_in_range("value", s.knob->value, s.lo, s.hi);
      std::vector<double> range{1.0, 1.0};
      if (kf.has("randomize")) {
        kf.get_vector("randomize", range, 2, 0.1, 10.0);
        if (range[0] > range[1])
          throw InputError(kf.context() + ": randomize range [" + std::to_string(range[0]) + ", " +
                           std::to_string(range[1]) + "] has lo > hi");
      }
      s.knob->rand_lo = range[0];
      s.knob->rand_hi = range[1];
      kf.finish();
    } else {
      f.get_in_range(s.key, s.knob->value, s.lo, s.hi);
    }
  }
  f.get_in_range("joint_offset_rad", d.joint_offset_rad, 0.0, 0.1);
  f.get_in_range("gravity_comp_error", d.gravity_comp_error, -0.5, 0.5);
  f.finish();
  return d;
}

std::string config_dir() {
  if (const char* env = std::getenv("OCRES_CONFIG_DIR")) return env;
  return std::string(OCRES_SOURCE_DIR) + "/configs";
}

DomainConfig load_domain(const std::string& name_or_path) {
  namespace fs = std::filesystem;
  const bool is_path = name_or_path.ends_with(".yaml") || name_or_path.ends_with(".yml");
  const std::string path = is_path ? name_or_path : config_dir() + "/domains/" + name_or_path + ".yaml";
  if (!fs::exists(path)) {
    std::string known;
    const fs::path dir = config_dir() + "/domains";
    if (fs::exists(dir))
      for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".yaml") known += (known.empty() ? "" : ", ") + e.path().stem().string();
    throw InputError("unknown domain '" + name_or_path + "' (no file " + path + "; known domains: " + known + ")");
  }
  DomainConfig d = parse_domain(load_yaml_file(path), path);
  if (!is_path && d.name != name_or_path)
    throw InputError(path + ": field 'name' is '" + d.name + "' but the file is named '" + name_or_path + "'");
  return d;
}

}  // namespace ocres::sim
