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
//
// State fields: tcp_position (3, m), tcp_quaternion (4, w x y z), gripper_width (1, m),
// gripper_closed (1: 0 open .. 1 closed), joint_position (7, rad), finger_position (2, m).
// Reply arrays may be (H, D) or (1, H, D); fewer than chunk_size rows hold the last row. Images are not
// sent (the deployment runtime has no camera); a server that needs them must get them elsewhere.
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
  LinkStatus predict(const Observation& obs, std::span<Action> chunk, const char*& error) override;

  // The request map for an observation (exposed for tests).
  wire::Map request(const Observation& obs) const;
  // Parses a reply into a chunk; false with last_error() on a malformed reply.
  bool parse(const wire::Map& reply, std::span<Action> chunk);
  const std::string& last_error() const { return error_; }

 private:
  struct Clients;
  RemoteBaseConfig config_;
  std::unique_ptr<Clients> clients_;
  std::string error_;
};

}  // namespace ocres::deploy
