#pragma once
// The robot bridge client (bridge_protocol.h, docs/deploy.md): a ZeroMQ REQ socket connected to the
// bridge's REP socket. Every call has a timeout; after a timeout the REQ socket is stuck in its
// send/receive state machine, so it is closed and reopened (a late reply dies with it and can never be
// taken for the answer to a later request). Buffers are fixed at construction: the calls allocate
// nothing in our code (libzmq itself uses malloc for messages above 33 bytes).
//
// Cameras: with `images` on, every get_state asks the bridge for its camera images (the state read at
// the start of a tick, from which the loop builds the observation for a chunk request), and the frames
// that come back are copied into the FrameStore given at construction, stamped with the state's stamp.
// Command replies never carry images (the loop does not build observations from them).
#include <array>
#include <string>
#include <vector>

#include "deploy/interfaces.h"

namespace ocres::deploy {

struct ZmqRobotConfig {
  std::string endpoint = "tcp://127.0.0.1:5560";  // the bridge's REP socket
  int timeout_ms = 500;          // get_state / command round trip
  int reset_timeout_ms = 30000;  // an episode reset (the robot drives home) may take long
  bool images = false;           // ask for camera images with every get_state
  int max_reply_bytes = 64 * 1024;  // larger replies are refused (two 224x224 RGB frames: ~301 KB)
  // Throws InputError naming the bad field.
  void validate() const;
};

class ZmqRobotClient : public RobotInterface {
 public:
  // `frames` (may be null) receives the images of state replies; it must outlive the client.
  explicit ZmqRobotClient(ZmqRobotConfig config, FrameStore* frames = nullptr);
  ~ZmqRobotClient() override;
  ZmqRobotClient(const ZmqRobotClient&) = delete;
  ZmqRobotClient& operator=(const ZmqRobotClient&) = delete;

  LinkStatus start_episode(uint64_t episode, uint64_t seed, BridgeState& out) override;
  LinkStatus read_state(BridgeState& out) override;
  LinkStatus send_target(uint64_t seq, const Action& target, BridgeState& out) override;
  LinkStatus stop(const char* reason) override;
  // The bridge's last error message, or the decoder's complaint (NUL-terminated).
  const char* last_error() const { return error_.data(); }

 private:
  LinkStatus call(const BridgeRequest& request, BridgeState& out, int timeout_ms);
  void open_socket();
  void close_socket();

  ZmqRobotConfig config_;
  FrameStore* frames_;
  void* context_ = nullptr;
  void* socket_ = nullptr;
  std::array<uint8_t, 1024> send_buf_{};
  std::vector<uint8_t> recv_buf_;
  BridgeReply reply_;
  std::array<char, 256> error_{};
};

}  // namespace ocres::deploy
