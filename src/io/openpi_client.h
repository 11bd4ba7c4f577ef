#pragma once
// Client for an openpi policy server (π0 / π0.5 `serve_policy.py`), SPEC §9: a websocket at
// ws://host:port/ carrying one binary msgpack map per message, arrays in msgpack-numpy form.
//
//   connect   -> the server sends a metadata map first (often empty, 0x80)
//   infer     -> we send the observation map, the server replies with {"actions": (H, 8), timing maps}
//   failure   -> a text frame (the server's traceback), then close code 1011
//
// Blocking and single-threaded: all network work happens inside the calls, on the caller's thread. Not
// thread-safe; use one client per thread. After any failure the connection is dropped (so a late reply can
// never be taken for the answer to a later request) and the next call reconnects.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "io/msgpack_value.h"
#include "io/remote_status.h"

namespace ocres::wire {

namespace detail {
class WsConnection;
}

struct OpenpiClientConfig {
  std::string host = "127.0.0.1";                         // server name or address
  int port = 8000;                                        // openpi's default
  std::chrono::milliseconds connect_timeout{5000};        // TCP + websocket handshake + metadata message
  std::chrono::milliseconds infer_timeout{10000};         // sending one observation until its reply
  std::size_t max_message_bytes = std::size_t{64} << 20;  // larger replies close the connection

  // Throws InputError naming the bad field.
  void validate() const;
};

class OpenpiClient {
 public:
  // Does not connect yet. Throws InputError for an invalid config.
  explicit OpenpiClient(OpenpiClientConfig config);
  ~OpenpiClient();
  OpenpiClient(const OpenpiClient&) = delete;
  OpenpiClient& operator=(const OpenpiClient&) = delete;

  // (Re)connects and reads the metadata message; on success `response` is the metadata. infer()
  // connects on demand, so calling this is optional (it keeps connection time out of the first infer).
  RemoteResult connect();
  // One observation -> one reply. Values may be NdArray, strings, numbers, nested maps/arrays; e.g. for
  // DROID: "observation/exterior_image_1_left" uint8 (224,224,3), "observation/joint_position" (7),
  // "observation/gripper_position" (1), "prompt" str. The reply's "actions" is an NdArray whose shape
  // must be read, not assumed.
  RemoteResult infer(const Map& observation);
  // Polite close (bounded wait); the next call reconnects.
  void disconnect();

  // True if the last connection is still believed open.
  bool connected() const;
  // The metadata of the last successful connect (empty before).
  const Map& metadata() const { return metadata_; }
  const OpenpiClientConfig& config() const { return config_; }

 private:
  RemoteResult fail(RemoteStatus status, std::string error);

  OpenpiClientConfig config_;
  std::unique_ptr<detail::WsConnection> ws_;
  Map metadata_;
  Bytes request_;  // reused encode buffer
};

// openpi's health check: HTTP GET /healthz must answer 200. kUnavailable if it cannot connect or
// answers anything else (the status code is in `error`), kTimeout if it does not answer in time.
RemoteResult openpi_healthz(const std::string& host, int port,
                            std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

}  // namespace ocres::wire
