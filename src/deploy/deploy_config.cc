#include "deploy/deploy_config.h"

namespace ocres::deploy {

const char* no_chunk_policy_name(NoChunkPolicy p) { return p == NoChunkPolicy::kWait ? "wait" : "hold"; }

void DeployConfig::validate() const {
  auto bad = [](const std::string& field, double v, const std::string& why) {
    throw InputError("deploy config: " + field + " = " + std::to_string(v) + " " + why);
  };
  if (!(rate_hz > 0 && rate_hz <= 10000)) bad("rate_hz", rate_hz, "must be in (0, 10000]");
  if (max_ticks < 1) bad("max_ticks", max_ticks, "must be >= 1");
  if (prefetch_ticks < 0) bad("prefetch_ticks", prefetch_ticks, "must be >= 0");
  if (!(base_timeout_s > 0)) bad("base_timeout_s", base_timeout_s, "must be > 0");
  if (!(max_residual >= 0 && max_residual <= 1)) bad("max_residual", max_residual, "must be in [0, 1]");
  if (!(max_state_age_s > 0)) bad("max_state_age_s", max_state_age_s, "must be > 0");
  if (!(divergence_m > 0)) bad("divergence_m", divergence_m, "must be > 0");
  if (!(divergence_s >= 0)) bad("divergence_s", divergence_s, "must be >= 0");
  if (ring_size < 1 || ring_size > 1000) bad("ring_size", ring_size, "must be in [1, 1000]");
  for (int i = 0; i < 3; ++i)
    if (!(limits.workspace_lo_m[i] < limits.workspace_hi_m[i]))
      bad("limits.workspace_lo_m[" + std::to_string(i) + "]", limits.workspace_lo_m[i], "must be below workspace_hi_m");
}

DeployConfig parse_deploy_config(YamlFields f) {
  DeployConfig c;
  f.get_in_range("rate_hz", c.rate_hz, 1e-3, 10000);
  f.get_in_range("max_ticks", c.max_ticks, 1, 10000000);
  std::string no_chunk = no_chunk_policy_name(c.no_chunk);
  f.get("no_chunk", no_chunk);
  if (no_chunk == "wait") c.no_chunk = NoChunkPolicy::kWait;
  else if (no_chunk == "hold") c.no_chunk = NoChunkPolicy::kHold;
  else throw InputError(f.context() + ": no_chunk '" + no_chunk + "' is neither 'wait' nor 'hold'");
  f.get_in_range("prefetch_ticks", c.prefetch_ticks, 0, 1000);
  f.get("skip_elapsed", c.skip_elapsed);
  f.get_in_range("base_timeout_s", c.base_timeout_s, 1e-3, 3600);
  f.get_in_range("max_residual", c.max_residual, 0, 1);
  f.get_in_range("max_state_age_s", c.max_state_age_s, 1e-3, 3600);
  f.get_in_range("divergence_m", c.divergence_m, 1e-3, 10);
  f.get_in_range("divergence_s", c.divergence_s, 0, 3600);
  f.get_in_range("max_pose_future_s", c.max_pose_future_s, 0, 10);
  f.get_in_range("pose_sync_timeout_ms", c.pose_sync_timeout_ms, 0, 10000);
  f.get_in_range("ring_size", c.ring_size, 1, 1000);
  f.get_in_range("reset_timeout_ms", c.reset_timeout_ms, 1, 3600000);
  {
    YamlFields l = f.child("limits");
    std::vector<double> lo(c.limits.workspace_lo_m.data(), c.limits.workspace_lo_m.data() + 3);
    std::vector<double> hi(c.limits.workspace_hi_m.data(), c.limits.workspace_hi_m.data() + 3);
    l.get_vector("workspace_lo_m", lo, 3, -5, 5);
    l.get_vector("workspace_hi_m", hi, 3, -5, 5);
    c.limits.workspace_lo_m = Vec3(lo[0], lo[1], lo[2]);
    c.limits.workspace_hi_m = Vec3(hi[0], hi[1], hi[2]);
    l.get_in_range("max_translation_per_step_m", c.limits.max_translation_per_step_m, 1e-4, 1);
    l.get_in_range("max_rotation_per_step_rad", c.limits.max_rotation_per_step_rad, 1e-4, 3.2);
    l.finish();
  }
  c.gate = perception::parse_pose_gate(f.child("gate"));
  f.finish();
  c.validate();
  return c;
}

DeployConfig load_deploy_config(const std::string& path) {
  return parse_deploy_config(YamlFields(load_yaml_file(path), path));
}

}  // namespace ocres::deploy
