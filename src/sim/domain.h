#pragma once
// A domain is a physics configuration: `sim` (nominal, used for training) and `lab` (held out, the
// stand-in for the real robot). Every physics parameter a user would randomise is a Knob: a nominal
// value and an optional per-episode multiplicative randomisation range. Loaded from YAML
// (configs/domains/<name>.yaml); users can add their own files.
#include <string>

#include "core/config.h"
#include "core/rng.h"

namespace ocres::sim {

struct Knob {
  double value = 1.0;  // nominal value (unit given by the field)
  double rand_lo = 1.0;  // per-episode multiplier drawn uniformly from [rand_lo, rand_hi]
  double rand_hi = 1.0;

  double sample(Rng& rng) const { return rand_lo == rand_hi ? value * rand_lo : value * rng.uniform(rand_lo, rand_hi); }
};

struct DomainConfig {
  std::string name = "sim";
  double timestep_s = 0.002;       // physics step (s)
  int control_latency_steps = 0;   // an action takes effect this many 20 Hz control steps late
  Knob object_friction{1.0};       // sliding friction of object geoms (dimensionless)
  Knob finger_friction{1.0};       // sliding friction of the finger pads
  Knob table_friction{1.0};        // sliding friction of the table and fixtures
  Knob object_mass_scale{1.0};     // multiplier on every object's mass and inertia
  Knob joint_damping_scale{1.0};   // multiplier on arm joint damping (the servo's kv)
  Knob actuator_kp_scale{1.0};     // multiplier on arm servo stiffness (<1: larger tracking error)
  Knob gripper_force_N{70.0};      // grasp force limit per finger (N)
  Knob fixture_damping_scale{1.0}; // multiplier on damping of articulated fixtures (drawer slides)
  double joint_offset_rad = 0.0;   // per-episode calibration error: each joint's servo target is offset
                                   // by U(-joint_offset_rad, +joint_offset_rad)
  double gravity_comp_error = 0.0; // fraction of gravity torque NOT compensated (model error)
};

// Parses a domain from YAML text; `context` names the source in errors.
DomainConfig parse_domain(const YAML::Node& node, const std::string& context);
// Loads a domain by name (configs/domains/<name>.yaml under the config directory) or by file path
// (anything ending in .yaml/.yml). Throws InputError naming the domain if it does not exist.
DomainConfig load_domain(const std::string& name_or_path);

// Directory holding configs/ (env OCRES_CONFIG_DIR, else the source tree this binary was built from).
std::string config_dir();

}  // namespace ocres::sim
