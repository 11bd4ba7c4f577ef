#pragma once
// Client for a GR00T inference server (N1.5 and later, `inference_service.py --server`), SPEC §9:
// ZeroMQ REQ/REP at tcp://host:port, one msgpack map per message:
//
//   request  {"endpoint": "get_action" | "ping" | "get_modality_config" | "kill",
//             "data": {...}            (get_action only),
//             "api_token": str         (only when configured)}
//   reply    a map, e.g. {"action.<name>": (16, D) arrays}; nil for "kill"; {"error": str} on failure
//   arrays   {"__ndarray_class__": true, "as_npy": bin .npy v1.0}
//
// The old pickle (torch.save) format is deliberately not supported. A REQ socket that timed out waiting
// for a reply is stuck in its send-receive state machine, so after a timeout (or any socket error) the
// socket is closed and a new one is made for the next call; a late reply to the old request is lost
// with it and can never be taken for the answer to a later one.
//
// Blocking, single-threaded, not thread-safe: one client per thread.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "io/msgpack_value.h"
#include "io/remote_status.h"

namespace ocres::wire {

struct Gr00tClientConfig {
  std::string host = "127.0.0.1";  // server name or address
  int port = 5555;                 // GR00T's default
  std::string api_token;           // sent as "api_token" when non-empty
  // ZeroMQ connects in the background. If, this long after a request was queued, there is still no
  // connection to the server (none was ever made, or it dropped), the call returns kUnavailable.
  std::chrono::milliseconds connect_timeout{5000};
  // Waiting for the reply, counted from the send; then kTimeout. Either way the socket is recreated.
  std::chrono::milliseconds reply_timeout{10000};
  // ZeroMQ drops a larger incoming message (and its connection): the call then times out.
  std::size_t max_message_bytes = std::size_t{64} << 20;

  // Throws InputError naming the bad field.
  void validate() const;
};

class Gr00tClient {
 public:
  // Throws InputError for an invalid config. The socket is created (and connects) lazily.
  explicit Gr00tClient(Gr00tClientConfig config);
  ~Gr00tClient();
  Gr00tClient(const Gr00tClient&) = delete;
  Gr00tClient& operator=(const Gr00tClient&) = delete;

  // N1.5 flat observation keys: "video.<cam>" uint8 (1,H,W,3), "state.<name>" (1,D), a language key
  // holding an array of one string. The reply holds "action.<name>" arrays of shape (16, D).
  RemoteResult get_action(const Map& observation);
  RemoteResult ping();
  RemoteResult get_modality_config();
  // Asks the server to stop (it replies nil first).
  RemoteResult kill();

  // Any endpoint; the one-argument form sends no "data" (as GR00T's client does for endpoints without
  // input).
  RemoteResult call(std::string_view endpoint);
  RemoteResult call(std::string_view endpoint, const Map& data);

  const Gr00tClientConfig& config() const { return config_; }

 private:
  struct Impl;
  RemoteResult request(std::string_view endpoint, const Map* data);

  Gr00tClientConfig config_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ocres::wire
