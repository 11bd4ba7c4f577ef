#pragma once
// The observation and action types live in core (the deployment runtime uses them without the
// simulator); sim code refers to them through these aliases.
#include "core/observation.h"

namespace ocres::sim {
using ocres::Action;
using ocres::kMaxObjects;
using ocres::kMaxTaskScalars;
using ocres::Observation;
using ocres::RobotState;
}  // namespace ocres::sim
