#include "io/openpi_client.h"

#include <algorithm>
#include <chrono>

#include "io/ws_transport.h"

namespace ocres::wire {
namespace {

using detail::WsOutcome;

RemoteStatus status_of(WsOutcome outcome) {
  switch (outcome) {
    case WsOutcome::kOk:
      return RemoteStatus::kOk;
    case WsOutcome::kTimeout:
      return RemoteStatus::kTimeout;
    case WsOutcome::kTextFrame:
      return RemoteStatus::kServerError;
    case WsOutcome::kRefused:
    case WsOutcome::kClosed:
    case WsOutcome::kError:
      return RemoteStatus::kUnavailable;
  }
  return RemoteStatus::kUnavailable;
}

std::string endpoint_name(const OpenpiClientConfig& config) {
  return "openpi server " + config.host + ":" + std::to_string(config.port);
}

// Decodes a binary message that must be a map.
Result<Map> decode_map(const std::string& payload) {
  Result<Value> decoded =
      decode(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()));
  if (!decoded.ok()) return Result<Map>::failure(decoded.error());
  Value value = std::move(decoded).value();
  if (Map* map = value.get_if<Map>()) return Result<Map>::success(std::move(*map));
  return Result<Map>::failure("message is a msgpack " + std::string(Value::kind_name(value.kind())) + ", not a map");
}

}  // namespace

void OpenpiClientConfig::validate() const {
  if (host.empty()) throw InputError("openpi client: host is empty");
  if (port < 1 || port > 65535) throw InputError("openpi client: port " + std::to_string(port) + " is not in 1..65535");
  if (connect_timeout.count() <= 0)
    throw InputError("openpi client: connect_timeout must be positive, got " + std::to_string(connect_timeout.count()) +
                     " ms");
  if (infer_timeout.count() <= 0)
    throw InputError("openpi client: infer_timeout must be positive, got " + std::to_string(infer_timeout.count()) +
                     " ms");
  if (max_message_bytes < 1024)
    throw InputError("openpi client: max_message_bytes " + std::to_string(max_message_bytes) + " is below 1024");
}

OpenpiClient::OpenpiClient(OpenpiClientConfig config) : config_(std::move(config)) {
  config_.validate();
  ws_ = std::make_unique<detail::WsConnection>();
}

OpenpiClient::~OpenpiClient() { disconnect(); }

bool OpenpiClient::connected() const { return ws_->is_open(); }

void OpenpiClient::disconnect() {
  // Bounded so a hung server cannot stall shutdown.
  ws_->close(std::chrono::milliseconds(200));
}

RemoteResult OpenpiClient::fail(RemoteStatus status, std::string error) {
  ws_->abort();
  return RemoteResult::failure(status, endpoint_name(config_) + ": " + error);
}

RemoteResult OpenpiClient::connect() {
  const auto start = std::chrono::steady_clock::now();
  detail::WsResult opened = ws_->open(config_.host, config_.port, config_.connect_timeout, config_.max_message_bytes);
  if (opened.outcome != WsOutcome::kOk) return fail(status_of(opened.outcome), opened.detail);
  // The metadata message shares the connect budget.
  const auto left = std::max(std::chrono::milliseconds(1),
                             config_.connect_timeout - std::chrono::duration_cast<std::chrono::milliseconds>(
                                                           std::chrono::steady_clock::now() - start));
  detail::WsResult first = ws_->receive(left);
  if (first.outcome == WsOutcome::kTimeout) return fail(RemoteStatus::kTimeout, "no metadata message after connecting");
  if (first.outcome != WsOutcome::kOk) return fail(status_of(first.outcome), first.detail);
  Result<Map> metadata = decode_map(first.payload);
  if (!metadata.ok()) return fail(RemoteStatus::kProtocolError, "metadata: " + metadata.error());
  metadata_ = std::move(metadata).value();
  return RemoteResult{RemoteStatus::kOk, {}, metadata_};
}

RemoteResult OpenpiClient::infer(const Map& observation) {
  ws_->poll();  // notice a connection the server closed since the last call
  // One request, one reply: a message nobody asked for would be taken for the next reply, so a server
  // that sent one gets a fresh connection.
  if (ws_->has_unread()) ws_->abort();
  if (!ws_->is_open()) {
    RemoteResult connected = connect();
    if (!connected.ok()) return connected;
  }
  request_.clear();
  encode_to(observation, ArrayStyle::kOpenpi, request_);
  detail::WsResult sent = ws_->send_binary(request_.data(), request_.size());
  if (sent.outcome != WsOutcome::kOk) return fail(status_of(sent.outcome), sent.detail);
  detail::WsResult reply = ws_->receive(config_.infer_timeout);
  if (reply.outcome != WsOutcome::kOk) return fail(status_of(reply.outcome), reply.detail);
  Result<Map> response = decode_map(reply.payload);
  if (!response.ok()) return fail(RemoteStatus::kProtocolError, "reply: " + response.error());
  return RemoteResult{RemoteStatus::kOk, {}, std::move(response).value()};
}

RemoteResult openpi_healthz(const std::string& host, int port, std::chrono::milliseconds timeout) {
  const detail::HttpResult http = detail::http_get_status(host, port, "/healthz", timeout);
  const std::string where = "openpi server " + host + ":" + std::to_string(port) + " /healthz: ";
  if (http.outcome == WsOutcome::kTimeout) return RemoteResult::failure(RemoteStatus::kTimeout, where + http.detail);
  if (http.outcome != WsOutcome::kOk) return RemoteResult::failure(RemoteStatus::kUnavailable, where + http.detail);
  if (http.status_code != 200)
    return RemoteResult::failure(RemoteStatus::kUnavailable, where + "HTTP " + std::to_string(http.status_code));
  return {};
}

}  // namespace ocres::wire
