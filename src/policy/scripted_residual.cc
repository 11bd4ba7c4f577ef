#include "policy/scripted_residual.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace ocres::policy {

void scripted_residual(const ResidualObsLayout& layout, std::span<const float> obs, const ResidualScales& scales,
                       const ScriptedResidualConfig& config, std::span<float> delta) {
  OCRES_CHECK(static_cast<int>(obs.size()) == layout.dim() && delta.size() == static_cast<size_t>(kResidualDim),
              "scripted_residual: observation or delta of the wrong size");
  std::fill(delta.begin(), delta.end(), 0.0f);
  if (obs[layout.valid_index()] < 0.5f) return;
  const bool open = obs[layout.base_gripper_index()] > config.open_width_m;
  auto to_base_xy = [&](int i, int k) { return static_cast<double>(obs[layout.object_minus_base_index(i) + k]); };
  auto obj_xy = [&](int i, int k) { return static_cast<double>(obs[layout.object_position_index(i) + k]); };
  double d[2] = {0, 0};
  if (open) {
    const int q0 = layout.object_position_index(0) + 3;
    const Quat q_BO(obs[q0], obs[q0 + 1], obs[q0 + 2], obs[q0 + 3]);
    const Vec3 grasp_offset = q_BO.normalized() * config.grasp_point_O;
    d[0] = to_base_xy(0, 0) + grasp_offset.x(), d[1] = to_base_xy(0, 1) + grasp_offset.y();
    if (std::hypot(d[0], d[1]) >= config.capture_radius_m) return;
  } else {
    if (!config.correct_place || layout.num_objects < 2) return;
    if (std::hypot(to_base_xy(1, 0), to_base_xy(1, 1)) >= config.capture_radius_m) return;
    d[0] = obj_xy(1, 0) - obj_xy(0, 0), d[1] = obj_xy(1, 1) - obj_xy(0, 1);
  }
  for (int k = 0; k < 2; ++k) delta[k] = static_cast<float>(std::clamp(d[k] / scales.position_m, -1.0, 1.0));
}

}  // namespace ocres::policy
