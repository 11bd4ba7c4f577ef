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
  const int base = layout.base_offset();
  const bool open = obs[base + 7] > config.open_width_m;
  // Per object i: [obj_i − tcp (3), obj_i − base target (3)] from relative_offset().
  auto to_base_xy = [&](int i, int k) { return static_cast<double>(obs[layout.relative_offset() + 6 * i + 3 + k]); };
  auto obj_xy = [&](int i, int k) { return static_cast<double>(obs[layout.object_offset() + 7 * i + k]); };
  double d[2] = {0, 0};
  if (open) {
    if (std::hypot(to_base_xy(0, 0), to_base_xy(0, 1)) >= config.capture_radius_m) return;
    d[0] = to_base_xy(0, 0), d[1] = to_base_xy(0, 1);
  } else {
    if (!config.correct_place || layout.num_objects < 2) return;
    if (std::hypot(to_base_xy(1, 0), to_base_xy(1, 1)) >= config.capture_radius_m) return;
    d[0] = obj_xy(1, 0) - obj_xy(0, 0), d[1] = obj_xy(1, 1) - obj_xy(0, 1);
  }
  for (int k = 0; k < 2; ++k) delta[k] = static_cast<float>(std::clamp(d[k] / scales.position_m, -1.0, 1.0));
}

}  // namespace ocres::policy
