#include "io/gr00t_client.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>

#include <zmq.hpp>

namespace ocres::wire {

using Clock = std::chrono::steady_clock;

// Why not ZMQ_IMMEDIATE to detect a missing server: with it, libzmq discards a connection's unread
// incoming messages when that connection drops, so a reply from a server that exits right after
// answering (GR00T's "kill", a crash) can be lost. Instead a socket monitor reports whether the ZMTP
// handshake with the server has happened, which separates "no server" (kUnavailable) from "server too
// slow" (kTimeout).
struct Gr00tClient::Impl {
  zmq::context_t context{1};
  std::optional<zmq::socket_t> socket;   // REQ; nullopt until needed, and after a timeout or error
  std::optional<zmq::socket_t> monitor;  // PAIR receiving `socket`'s connection events
  bool connected = false;                // a handshake succeeded and no disconnect followed
  int sockets_made = 0;                  // names each monitor endpoint uniquely
  Bytes request;                         // reused encode buffer

  void make_socket(const Gr00tClientConfig& config) {
    reset();
    zmq::socket_t req(context, zmq::socket_type::req);
    req.set(zmq::sockopt::linger, 0);  // closing must never wait for unsent requests
    req.set(zmq::sockopt::sndtimeo, static_cast<int>(config.connect_timeout.count()));
    req.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(config.max_message_bytes));
    const std::string endpoint = "inproc://ocres-gr00t-monitor-" + std::to_string(sockets_made++);
    if (zmq_socket_monitor(req.handle(), endpoint.c_str(), ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED) !=
        0) {
      throw zmq::error_t();
    }
    zmq::socket_t pair(context, zmq::socket_type::pair);
    pair.set(zmq::sockopt::linger, 0);
    pair.connect(endpoint);
    req.connect("tcp://" + config.host + ":" + std::to_string(config.port));
    socket = std::move(req);
    monitor = std::move(pair);
  }

  void reset() {
    monitor.reset();
    socket.reset();
    connected = false;
  }

  // Reads the monitor events that have arrived. Each is two frames: (u16 event id, u32 value) in host
  // byte order, then the peer address.
  void read_events() {
    zmq::message_t frame;
    while (monitor->recv(frame, zmq::recv_flags::dontwait)) {
      std::uint16_t event = 0;
      if (frame.size() >= sizeof(event)) std::memcpy(&event, frame.data(), sizeof(event));
      while (frame.more() && monitor->recv(frame, zmq::recv_flags::dontwait)) {
      }
      if (event == ZMQ_EVENT_HANDSHAKE_SUCCEEDED) connected = true;
      if (event == ZMQ_EVENT_DISCONNECTED) connected = false;
    }
  }
};

void Gr00tClientConfig::validate() const {
  if (host.empty()) throw InputError("GR00T client: host is empty");
  if (port < 1 || port > 65535) throw InputError("GR00T client: port " + std::to_string(port) + " is not in 1..65535");
  if (connect_timeout.count() <= 0)
    throw InputError("GR00T client: connect_timeout must be positive, got " + std::to_string(connect_timeout.count()) +
                     " ms");
  if (reply_timeout.count() <= 0)
    throw InputError("GR00T client: reply_timeout must be positive, got " + std::to_string(reply_timeout.count()) +
                     " ms");
  if (connect_timeout.count() > 2147483647 || reply_timeout.count() > 2147483647)
    throw InputError("GR00T client: timeouts must fit in 32-bit milliseconds");
  if (max_message_bytes < 1024)
    throw InputError("GR00T client: max_message_bytes " + std::to_string(max_message_bytes) + " is below 1024");
}

Gr00tClient::Gr00tClient(Gr00tClientConfig config) : config_(std::move(config)), impl_(std::make_unique<Impl>()) {
  config_.validate();
}

Gr00tClient::~Gr00tClient() = default;

RemoteResult Gr00tClient::get_action(const Map& observation) { return request("get_action", &observation); }
RemoteResult Gr00tClient::ping() { return request("ping", nullptr); }
RemoteResult Gr00tClient::get_modality_config() { return request("get_modality_config", nullptr); }
RemoteResult Gr00tClient::kill() { return request("kill", nullptr); }
RemoteResult Gr00tClient::call(std::string_view endpoint) { return request(endpoint, nullptr); }
RemoteResult Gr00tClient::call(std::string_view endpoint, const Map& data) { return request(endpoint, &data); }

RemoteResult Gr00tClient::request(std::string_view endpoint, const Map* data) {
  const std::string where =
      "GR00T server " + config_.host + ":" + std::to_string(config_.port) + " (" + std::string(endpoint) + "): ";
  // Any failure leaves the REQ socket in an unknown state: drop it, the next call makes a new one.
  const auto fail = [&](RemoteStatus status, const std::string& what) {
    impl_->reset();
    return RemoteResult::failure(status, where + what);
  };

  // {"endpoint": str, "data": map (if any), "api_token": str (if configured)}, written in place so the
  // observation (camera images) is not copied.
  Bytes& out = impl_->request;
  out.clear();
  encode_map_header(1 + (data != nullptr ? 1 : 0) + (config_.api_token.empty() ? 0 : 1), out);
  encode_str("endpoint", out);
  encode_str(endpoint, out);
  if (data != nullptr) {
    encode_str("data", out);
    encode_to(*data, ArrayStyle::kGr00t, out);
  }
  if (!config_.api_token.empty()) {
    encode_str("api_token", out);
    encode_str(config_.api_token, out);
  }

  zmq::message_t reply;
  try {
    if (!impl_->socket) impl_->make_socket(config_);
    const Clock::time_point start = Clock::now();
    const Clock::time_point connect_deadline = start + config_.connect_timeout;
    const Clock::time_point reply_deadline = start + config_.reply_timeout;
    // Without ZMQ_IMMEDIATE a REQ send only queues the message, even before a connection exists.
    const zmq::send_result_t sent = impl_->socket->send(zmq::buffer(out), zmq::send_flags::none);
    if (!sent) return fail(RemoteStatus::kUnavailable, "could not queue the request");
    while (true) {
      impl_->read_events();
      const Clock::time_point now = Clock::now();
      if (!impl_->connected && now >= connect_deadline) {
        return fail(RemoteStatus::kUnavailable, "no connection to tcp://" + config_.host + ":" +
                                                    std::to_string(config_.port) + " within " +
                                                    std::to_string(config_.connect_timeout.count()) + " ms");
      }
      if (now >= reply_deadline) {
        return fail(RemoteStatus::kTimeout, "no reply within " + std::to_string(config_.reply_timeout.count()) + " ms");
      }
      const Clock::time_point wake = impl_->connected ? reply_deadline : std::min(reply_deadline, connect_deadline);
      zmq::pollitem_t items[] = {{impl_->socket->handle(), 0, ZMQ_POLLIN, 0},
                                 {impl_->monitor->handle(), 0, ZMQ_POLLIN, 0}};
      zmq::poll(items, 2, std::chrono::ceil<std::chrono::milliseconds>(wake - now));
      if ((items[0].revents & ZMQ_POLLIN) != 0 && impl_->socket->recv(reply, zmq::recv_flags::dontwait)) break;
    }
  } catch (const zmq::error_t& e) {
    return fail(RemoteStatus::kUnavailable, std::string("ZeroMQ: ") + e.what());
  }

  Result<Value> decoded =
      decode(std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(reply.data()), reply.size()));
  if (!decoded.ok()) return RemoteResult::failure(RemoteStatus::kProtocolError, where + "reply: " + decoded.error());
  Value value = std::move(decoded).value();
  if (value.is_nil()) return {};
  Map* map = value.get_if<Map>();
  if (map == nullptr) {
    return RemoteResult::failure(
        RemoteStatus::kProtocolError,
        where + "reply is a msgpack " + std::string(Value::kind_name(value.kind())) + ", not a map");
  }
  if (const Value* error = map->find("error")) {
    const std::string* text = error->get_if<std::string>();
    return RemoteResult::failure(
        RemoteStatus::kServerError,
        where + (text != nullptr ? *text : "error of kind " + std::string(Value::kind_name(error->kind()))));
  }
  return RemoteResult{RemoteStatus::kOk, {}, std::move(*map)};
}

}  // namespace ocres::wire
