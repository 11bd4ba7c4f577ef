#include "deploy/safety.h"

namespace ocres::deploy {

const char* safety_kind_name(SafetyKind k) {
  switch (k) {
    case SafetyKind::kRobotLink: return "robot_link";
    case SafetyKind::kStaleState: return "stale_state";
    case SafetyKind::kBaseTimeout: return "base_timeout";
    case SafetyKind::kDivergence: return "divergence";
    case SafetyKind::kWorkspace: return "workspace_clamp";
    case SafetyKind::kStepLimit: return "step_limit_clamp";
    case SafetyKind::kResidualBound: return "residual_bound";
    case SafetyKind::kCount: break;
  }
  return "?";
}

}  // namespace ocres::deploy
