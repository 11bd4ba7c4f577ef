#pragma once
// The robot bridge client (bridge_protocol.h, docs/deploy.md): a ZeroMQ REQ socket connected to the
// bridge's REP socket. Every call has a timeout; after a timeout the REQ socket is stuck in its
// send/receive state machine, so it is closed and reopened (a late reply dies with it and can never be
// taken for the answer to a later request). Buffers are fixed at construction: the calls allocate
// nothing in our code (libzmq itself uses malloc for messages above 33 bytes).
#include <array>
#include <string>
#include <vector>

#include "deploy/interfaces.h"

namespace ocres::deploy {

struct ZmqRobotConfig {
  std::string endpoint = "tcp://127.0.0.1:5560";  // the bridge's REP socket
  int timeout_ms = 500;          // get_state / command round trip
  int reset_timeout_ms = 30000;  // an episode reset (the robot drives home) may take long
  // Throws InputError naming the bad field.
  void validate() const;
};

class ZmqRobotClient : public RobotInterface {
 public:
  explicit ZmqRobotClient(ZmqRobotConfig config);
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
  void* context_ = nullptr;
  void* socket_ = nullptr;
  std::array<uint8_t, 1024> send_buf_{};
  std::vector<uint8_t> recv_buf_;
  BridgeReply reply_;
  std::array<char, 256> error_{};
};

}  // namespace ocres::deploy
