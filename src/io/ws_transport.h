#pragma once
// Internal to ocres_wire: a blocking, single-threaded websocket client connection and a one-shot HTTP
// GET, over websocketpp + standalone asio. This header is compiled both as C++17 (ws_transport.cc, see
// wire.cmake for why) and C++20 (openpi_client.cc), so it uses only standard C++17 types.
//
// Everything runs on the caller's thread: each call drives asio's event loop until its condition or its
// deadline, so there is no background thread, and nothing happens between calls. Libraries never print:
// websocketpp's loggers are replaced by its no-op stub.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace ocres::wire::detail {

enum class WsOutcome {
  kOk,
  kTimeout,    // the deadline passed first
  kRefused,    // no connection could be made (refused, unreachable, handshake rejected)
  kClosed,     // the connection closed (or was never open)
  kTextFrame,  // a text frame arrived where binary was expected; its text is in `detail`
  kError,      // anything else (bad address, internal asio/websocketpp error)
};

struct WsResult {
  WsOutcome outcome = WsOutcome::kOk;
  std::string detail;   // what went wrong, or a text frame's text
  std::string payload;  // a binary message's bytes (receive() only)
};

class WsConnection {
 public:
  WsConnection();
  ~WsConnection();
  WsConnection(const WsConnection&) = delete;
  WsConnection& operator=(const WsConnection&) = delete;

  // Connects to ws://host:port/ (dropping any previous connection) and waits for the opening handshake.
  // Incoming messages larger than max_message_bytes close the connection (code 1009).
  WsResult open(const std::string& host, int port, std::chrono::milliseconds timeout, std::size_t max_message_bytes);
  // True while open, as far as the events processed so far tell; poll() first for a fresh answer.
  bool is_open() const;
  // Processes events that are already due (e.g. the server's close) without blocking.
  void poll();
  // True if a message arrived that no receive() has taken yet.
  bool has_unread() const;
  // Queues one binary frame; it is written while receive() waits.
  WsResult send_binary(const std::uint8_t* data, std::size_t size);
  // Waits for the next message: kOk with a binary payload, kTextFrame, kClosed or kTimeout.
  WsResult receive(std::chrono::milliseconds timeout);
  // Polite close (code 1000) waiting at most `timeout` for the server's reply, then releases everything.
  void close(std::chrono::milliseconds timeout);
  // Drops the connection at once (no close handshake) and releases everything.
  void abort();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct HttpResult {
  WsOutcome outcome = WsOutcome::kOk;  // kOk when a status line was read
  int status_code = 0;
  std::string detail;
};

// GET http://host:port<path> with "Connection: close"; reads only the status line.
HttpResult http_get_status(const std::string& host, int port, const std::string& path,
                           std::chrono::milliseconds timeout);

}  // namespace ocres::wire::detail
