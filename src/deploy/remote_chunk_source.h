#pragma once
// Remote base policies as chunk sources: an openpi websocket server or a GR00T ZeroMQ server
// (io/openpi_client.h, io/gr00t_client.h; SPEC §9). Which request keys carry which of our robot
// quantities, and which reply columns hold the target, is configuration, not code:
//
//   kind: gr00t                       # or openpi
//   host: 127.0.0.1                   # loopback unless the user names another
//   port: 5555
//   api_token: ""                     # GR00T only; sent when non-empty
//   timeout_ms: 2000                  # per chunk (the loop's base_timeout_s bounds retries)
//   chunk_size: 16
//   prompt_key: annotation.human.task_description   # GR00T: a list of one string; openpi: a str
//   prompt: "lift the block"
//   state:                            # float32 arrays built from our proprioception
//     - {key: state.single_arm, fields: [tcp_position, tcp_quaternion], batch_dim: true}
//     - {key: state.gripper, fields: [gripper_width], batch_dim: true}
//   action:                           # where the absolute TCP target is in the reply
//     position:   {key: action.single_arm, column: 0}     # 3 columns from here (m, base frame)
//     quaternion: {key: action.single_arm, column: 3}     # 4 columns, w x y z (normalised here)
//     gripper:    {key: action.gripper, column: 0, scale: 1.0, offset: 0.0}  # width_m = offset + scale * v
//   images:                           # optional: uint8 RGB arrays from named cameras (camera_source.h)
//     - {key: video.front, camera: front, batch_dim: true, size: [224, 224]}
//     - {key: video.wrist, camera: wrist}
//
// State fields: tcp_position (3, m), tcp_quaternion (4, w x y z), gripper_width (1, m),
// gripper_closed (1: 0 open .. 1 closed), joint_position (7, rad), finger_position (2, m).
// Reply arrays may be (H, D) or (1, H, D); fewer than chunk_size rows hold the last row.
//
// Images: each entry sends the latest frame of `camera` (delivered with the state the observation was
// built from: AsyncChunkSource) as a uint8 array under `key`: (1, H, W, 3) with batch_dim (GR00T's
// `video.<cam>`), (H, W, 3) without (openpi's DROID `observation/exterior_image_1_left`); batch_dim
// defaults to true for gr00t and false for openpi. `size: [H, W]` resamples with nearest-neighbour
// (no filtering; omit it to send the frame as delivered). A camera that has delivered no frame fails the
// request with LinkStatus::kUnavailable naming it (the loop's base timeout then applies), never a crash.
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "deploy/interfaces.h"
#include "io/msgpack_value.h"

namespace ocres::deploy {

struct RemoteBaseConfig {
  std::string kind = "gr00t";
  std::string host = "127.0.0.1";
  int port = 5555;
  std::string api_token;
  int timeout_ms = 2000;
  int chunk_size = 16;
  std::string prompt_key, prompt;
  struct StateEntry {
    std::string key;
    std::vector<std::string> fields;
    bool batch_dim = true;
  };
  std::vector<StateEntry> state;
  struct ActionPart {
    std::string key;
    int column = 0;
    double scale = 1.0, offset = 0.0;
  };
  ActionPart position, quaternion, gripper;
  struct ImageEntry {
    std::string key, camera;
    bool batch_dim = true;
    int height_px = 0, width_px = 0;  // resample to this size; 0: as delivered
  };
  std::vector<ImageEntry> images;
  // The distinct cameras of `images`, in first-use order.
  std::vector<std::string> cameras() const;
};

// Throws InputError naming the bad field.
RemoteBaseConfig parse_remote_base(YamlFields fields);
RemoteBaseConfig load_remote_base(const std::string& path);

class RemoteChunkSource : public ChunkSource {
 public:
  explicit RemoteChunkSource(RemoteBaseConfig config);
  ~RemoteChunkSource() override;
  int chunk_size() const override { return config_.chunk_size; }
  void reset(Rng&) override {}
  // Without frames: fails if the config names cameras.
  LinkStatus predict(const Observation& obs, std::span<Action> chunk, const char*& error) override;
  std::vector<std::string> camera_names() const override { return config_.cameras(); }
  LinkStatus predict_with_frames(const Observation& obs, std::span<const CameraFrame> frames, std::span<Action> chunk,
                                 const char*& error) override;

  // The request map for an observation, without images (exposed for tests).
  wire::Map request(const Observation& obs) const;
  // Adds the configured images from `frames` (in camera_names() order); false with last_error() if a
  // camera has delivered no frame.
  bool add_images(std::span<const CameraFrame> frames, wire::Map& request);
  // Parses a reply into a chunk; false with last_error() on a malformed reply.
  bool parse(const wire::Map& reply, std::span<Action> chunk);
  const std::string& last_error() const { return error_; }

 private:
  struct Clients;
  RemoteBaseConfig config_;
  std::unique_ptr<Clients> clients_;
  std::vector<int> image_camera_;  // images[i]'s index in camera_names()
  CameraFrame resized_;            // reused resampling buffer
  std::string error_;
};

}  // namespace ocres::deploy
