#pragma once
// Shared test fixture: any MuJoCo warning recorded during a test fails it.
#include <gtest/gtest.h>

#include "sim/env.h"
#include "sim/mujoco_handles.h"

namespace ocres::sim::testing {

inline void expect_no_mujoco_warnings(const mjData* d) {
  EXPECT_EQ(warning_count(d), 0) << "MuJoCo warnings: " << describe_warnings(d);
}

}  // namespace ocres::sim::testing
