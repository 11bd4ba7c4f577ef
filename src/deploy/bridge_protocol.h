#pragma once
// The robot bridge protocol (docs/deploy.md has the normative description): ZeroMQ REQ/REP, one
// msgpack map per message. The deployment runtime is the REQ side; a bridge (a real robot's driver
// process, or `ocres sim-bridge`) is the REP side and answers every request with a state (or an error).
//
//   request  {"type": "get_state", optional: "images": bool}
//            {"type": "reset", "episode": uint, "seed": uint}
//            {"type": "command", "seq": uint, "p_BT_m": [3], "q_BT_wxyz": [4], "gripper_width_m": float}
//            {"type": "stop", "reason": str}
//   reply    {"type": "state", "seq": uint, "stamp_s": float, "q_rad": [7], "dq_rad_s": [7],
//             "p_BT_m": [3], "q_BT_wxyz": [4], "gripper_width_m": float, "finger_m": [2],
//             optional: "episode_t": uint, "reward": float, "success": bool, "terminated": bool,
//                       "truncated": bool, "scene_X_BO": [[7] per object], "scene_scalars": [..],
//                       "pose_stamp_s": float,
//                       "images": {camera: {"height": uint, "width": uint, "data": bin}}}
//            {"type": "error", "message": str}
//
// Decoders fill fixed-size structs and never allocate; unknown keys are skipped (newer peers may add
// fields), a missing required key or a wrong type is an error naming the key.
//
// Images (optional, for a remote VLA base policy; deploy/camera_source.h): a `get_state` with
// "images": true asks the bridge to attach its cameras' latest frames, each uint8 RGB row-major
// height x width x 3 (numpy (H, W, 3) C order), "data" exactly height * width * 3 bytes, 1..4096 px per
// side, at most kMaxBridgeImages cameras. A bridge without cameras omits the key. The decoder keeps
// views into the message (BridgeReply::images), never copies: the robot client copies them once into
// its FrameStore.
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "core/observation.h"
#include "deploy/msgpack_lite.h"

namespace ocres::deploy {

enum class BridgeRequestType { kGetState, kReset, kCommand, kStop };

inline constexpr int kMaxBridgeImages = 8;

// A camera image in a state message: views into the bytes being encoded or decoded (valid while they
// are).
struct BridgeImage {
  std::string_view camera;
  int height_px = 0, width_px = 0;
  std::span<const uint8_t> rgb;  // height_px * width_px * 3 bytes, row-major RGB
};

struct BridgeImages {
  int count = 0;
  std::array<BridgeImage, kMaxBridgeImages> items;
};

struct BridgeRequest {
  BridgeRequestType type = BridgeRequestType::kGetState;
  uint64_t episode = 0, seed = 0;  // reset
  uint64_t seq = 0;                // command
  bool images = false;             // get_state: attach camera images to the reply
  Action target;                   // command: absolute TCP target, base frame
  std::array<char, 64> reason{};   // stop: NUL-terminated, truncated
};

// Optional simulator feedback: only simulators know reward and success; a real robot omits it.
struct EpisodeFeedback {
  bool present = false;
  uint64_t t = 0;  // control steps executed in this episode
  double reward = 0;
  bool success = false, terminated = false, truncated = false;
};

// Optional ground-truth scene (simulators only): what a camera would show the built-in BC stand-in,
// which models a VLA's imprecise view of it (policy/bc_policy.h). Never given to the residual.
struct SceneTruth {
  int num_objects = -1;  // -1: absent
  std::array<Pose, kMaxObjects> X_BO;
  int num_scalars = 0;
  std::array<double, kMaxTaskScalars> scalars{};
};

struct BridgeState {
  uint64_t seq = 0;
  double stamp_s = 0;  // bridge clock (s); monotonic, shared with the pose stream's stamps
  RobotState robot;
  EpisodeFeedback episode;
  SceneTruth scene;
  // Optional, lockstep simulators only: the stamp of the newest pose-stream estimate published before
  // this state was sent (-1: absent). The runtime then waits briefly for that estimate so that a loaded
  // machine's message timing cannot change what the residual sees (docs/deploy.md).
  double pose_stamp_s = -1;
};

struct BridgeReply {
  bool is_error = false;
  std::array<char, 256> error{};  // NUL-terminated, truncated
  BridgeState state;
  BridgeImages images;  // views into the decoded input (count 0: none sent)
};

// Each returns the encoded size, or 0 if the buffer is too small.
size_t encode_request(const BridgeRequest& r, std::span<uint8_t> out);
// `images` (at most kMaxBridgeImages, each rgb exactly height * width * 3 bytes) go under "images".
size_t encode_state(const BridgeState& s, std::span<uint8_t> out, std::span<const BridgeImage> images = {});
size_t encode_error(std::string_view message, std::span<uint8_t> out);

// Return false on malformed input; `error` (a static string) and `key` (points into the input or a
// static string) say what was wrong.
struct DecodeError {
  const char* what = "";
  std::string_view key;
  size_t offset = 0;
};
bool decode_request(std::span<const uint8_t> in, BridgeRequest& out, DecodeError& err);
bool decode_reply(std::span<const uint8_t> in, BridgeReply& out, DecodeError& err);

}  // namespace ocres::deploy
