#pragma once
// The pose stream (docs/deploy.md): ZeroMQ PUB/SUB, one single-frame msgpack map per estimate:
//   {"object": str, "frame": str, "position_m": [x, y, z], "quaternion_wxyz": [w, x, y, z],
//    "confidence": float in [0, 1], "stamp_s": float (the time the estimate describes, bridge clock),
//    optional "scalars": [float] (the object's joint positions = the task scalars, e.g. a drawer's
//    opening in m; at most kMaxTaskScalars, each |v| <= kMaxAbsPositionM)}
// Decoding validates everything a gate cannot: finite numbers, unit quaternion (normalised within 1%),
// confidence in [0, 1], position magnitude below a bound. Never allocates.
#include <array>
#include <span>
#include <string_view>

#include "core/math.h"
#include "deploy/bridge_protocol.h"

namespace ocres::deploy {

struct PoseMessage {
  std::string_view object;  // points into the decoded bytes
  std::string_view frame;
  Pose X_FO;                // object pose in `frame`
  double confidence = 0;
  double stamp_s = 0;
  std::array<double, kMaxTaskScalars> scalars{};
  int num_scalars = 0;  // 0 when the message has no "scalars"
};

inline constexpr double kMaxAbsPositionM = 10.0;  // an estimate farther than this is absurd

// Writes "scalars" only when `scalars` is not empty.
size_t encode_pose_message(std::string_view object, std::string_view frame, const Pose& X_FO, double confidence,
                           double stamp_s, std::span<uint8_t> out, std::span<const double> scalars = {});
bool decode_pose_message(std::span<const uint8_t> in, PoseMessage& out, DecodeError& err);

}  // namespace ocres::deploy
