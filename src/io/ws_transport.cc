// The only translation unit that includes websocketpp (compiled as C++17, see wire.cmake).
#include "io/ws_transport.h"

#include <deque>
#include <exception>
#include <functional>
#include <utility>

#include <asio.hpp>
#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>
#include <websocketpp/logger/stub.hpp>

namespace ocres::wire::detail {
namespace {

using Clock = std::chrono::steady_clock;

// websocketpp's stock client configuration with its stdout/stderr loggers replaced by no-op stubs.
struct QuietClientConfig : websocketpp::config::asio_client {
  typedef QuietClientConfig type;
  typedef websocketpp::log::stub elog_type;
  typedef websocketpp::log::stub alog_type;
  struct transport_config : websocketpp::config::asio_client::transport_config {
    typedef websocketpp::log::stub elog_type;
    typedef websocketpp::log::stub alog_type;
  };
  typedef websocketpp::transport::asio::endpoint<transport_config> transport_type;
};

using Client = websocketpp::client<QuietClientConfig>;

std::string describe_ec(const std::error_code& ec) { return ec ? ec.message() : std::string(); }

}  // namespace

struct WsConnection::Impl {
  enum class State { kConnecting, kOpen, kClosed };
  struct Message {
    bool text = false;
    std::string payload;
  };

  // Declared first so it is destroyed last: the client and the connection own asio objects bound to it,
  // and handlers still queued in it keep the connection alive until it goes.
  asio::io_context io;
  Client client;
  Client::connection_ptr con;
  State state = State::kConnecting;
  WsOutcome closed_outcome = WsOutcome::kClosed;
  std::string closed_detail;
  std::deque<Message> inbox;

  enum class Wait { kDone, kTimeout, kIdle };
  // Runs the event loop on this thread until done() or the deadline. kIdle: nothing left to wait for.
  Wait run_until(const std::function<bool()>& done, Clock::time_point deadline) {
    while (!done()) {
      const Clock::time_point now = Clock::now();
      if (now >= deadline) return Wait::kTimeout;
      if (io.stopped()) io.restart();
      const std::size_t handled = io.run_one_for(deadline - now);
      if (handled == 0 && io.stopped() && !done() && Clock::now() < deadline) return Wait::kIdle;
    }
    return Wait::kDone;
  }

  void on_closed(WsOutcome outcome, std::string detail) {
    if (state == State::kClosed) return;
    state = State::kClosed;
    closed_outcome = outcome;
    closed_detail = std::move(detail);
  }
};

WsConnection::WsConnection() = default;
WsConnection::~WsConnection() { abort(); }

WsResult WsConnection::open(const std::string& host, int port, std::chrono::milliseconds timeout,
                            std::size_t max_message_bytes) {
  abort();
  const Clock::time_point deadline = Clock::now() + timeout;
  try {
    impl_ = std::make_unique<Impl>();
    Impl& s = *impl_;
    s.client.init_asio(&s.io);
    // Our own deadline governs; websocketpp's handshake timer is only a backstop behind it.
    s.client.set_open_handshake_timeout(static_cast<long>(timeout.count()) + 1000);
    s.client.set_close_handshake_timeout(1000);
    s.client.set_max_message_size(max_message_bytes);
    // Small request/reply messages: do not let Nagle's algorithm hold them back.
    s.client.set_socket_init_handler([](websocketpp::connection_hdl, asio::ip::tcp::socket& socket) {
      std::error_code ignored;
      socket.set_option(asio::ip::tcp::no_delay(true), ignored);
    });
    s.client.set_open_handler([&s](websocketpp::connection_hdl) {
      if (s.state == Impl::State::kConnecting) s.state = Impl::State::kOpen;
    });
    s.client.set_fail_handler([&s](websocketpp::connection_hdl) {
      std::string detail = describe_ec(s.con->get_ec());
      const std::string transport = describe_ec(s.con->get_transport_ec());
      if (!transport.empty() && transport != detail) detail += " (" + transport + ")";
      const std::error_code ec = s.con->get_ec();
      const bool timed_out =
          ec == websocketpp::error::make_error_code(websocketpp::error::open_handshake_timeout) ||
          ec == websocketpp::transport::error::make_error_code(websocketpp::transport::error::timeout);
      s.on_closed(timed_out ? WsOutcome::kTimeout : WsOutcome::kRefused, detail);
    });
    s.client.set_close_handler([&s](websocketpp::connection_hdl) {
      std::string detail = "connection closed, code " + std::to_string(s.con->get_remote_close_code());
      if (!s.con->get_remote_close_reason().empty()) detail += ": " + s.con->get_remote_close_reason();
      s.on_closed(WsOutcome::kClosed, detail);
    });
    s.client.set_message_handler([&s](websocketpp::connection_hdl, Client::message_ptr message) {
      Impl::Message m;
      m.text = message->get_opcode() == websocketpp::frame::opcode::text;
      m.payload = std::move(message->get_raw_payload());
      s.inbox.push_back(std::move(m));
    });

    std::error_code ec;
    s.con = s.client.get_connection("ws://" + host + ":" + std::to_string(port) + "/", ec);
    if (ec) {
      WsResult result{
          WsOutcome::kError, "bad websocket address " + host + ":" + std::to_string(port) + ": " + ec.message(), {}};
      abort();
      return result;
    }
    s.client.connect(s.con);
    const Impl::Wait wait = s.run_until([&s] { return s.state != Impl::State::kConnecting; }, deadline);
    if (wait == Impl::Wait::kTimeout) {
      abort();
      return {WsOutcome::kTimeout, "websocket handshake with " + host + ":" + std::to_string(port) + " timed out", {}};
    }
    if (s.state != Impl::State::kOpen) {
      WsResult result{s.state == Impl::State::kClosed ? s.closed_outcome : WsOutcome::kError,
                      s.state == Impl::State::kClosed ? s.closed_detail : std::string("event loop ran dry"),
                      {}};
      abort();
      return result;
    }
    return {};
  } catch (const std::exception& e) {
    abort();
    return {WsOutcome::kError, std::string("websocket: ") + e.what(), {}};
  }
}

bool WsConnection::is_open() const { return impl_ && impl_->state == Impl::State::kOpen; }

void WsConnection::poll() {
  if (!impl_) return;
  try {
    if (impl_->io.stopped()) impl_->io.restart();
    impl_->io.poll();
  } catch (const std::exception& e) {
    impl_->on_closed(WsOutcome::kError, std::string("websocket: ") + e.what());
  }
}

bool WsConnection::has_unread() const { return impl_ && !impl_->inbox.empty(); }

WsResult WsConnection::send_binary(const std::uint8_t* data, std::size_t size) {
  if (!is_open()) return {WsOutcome::kClosed, impl_ ? impl_->closed_detail : "not connected", {}};
  const std::error_code ec = impl_->con->send(data, size, websocketpp::frame::opcode::binary);
  if (ec) return {WsOutcome::kClosed, "websocket send failed: " + ec.message(), {}};
  return {};
}

WsResult WsConnection::receive(std::chrono::milliseconds timeout) {
  if (!impl_) return {WsOutcome::kClosed, "not connected", {}};
  Impl& s = *impl_;
  const Clock::time_point deadline = Clock::now() + timeout;
  try {
    const Impl::Wait wait = s.run_until([&s] { return !s.inbox.empty() || s.state != Impl::State::kOpen; }, deadline);
    if (!s.inbox.empty()) {
      Impl::Message m = std::move(s.inbox.front());
      s.inbox.pop_front();
      if (m.text) return {WsOutcome::kTextFrame, std::move(m.payload), {}};
      return {WsOutcome::kOk, {}, std::move(m.payload)};
    }
    if (wait == Impl::Wait::kTimeout)
      return {WsOutcome::kTimeout, "no reply within " + std::to_string(timeout.count()) + " ms", {}};
    if (s.state == Impl::State::kClosed) return {s.closed_outcome, s.closed_detail, {}};
    return {WsOutcome::kError, "websocket event loop ran dry", {}};
  } catch (const std::exception& e) {
    s.on_closed(WsOutcome::kError, std::string("websocket: ") + e.what());
    return {WsOutcome::kError, s.closed_detail, {}};
  }
}

void WsConnection::close(std::chrono::milliseconds timeout) {
  if (is_open()) {
    Impl& s = *impl_;
    try {
      std::error_code ec;
      s.con->close(websocketpp::close::status::normal, "", ec);
      if (!ec) s.run_until([&s] { return s.state == Impl::State::kClosed; }, Clock::now() + timeout);
    } catch (const std::exception&) {
      // Falls through to abort(): the connection is going away either way.
    }
  }
  abort();
}

void WsConnection::abort() {
  if (!impl_) return;
  try {
    if (impl_->con) {
      std::error_code ignored;
      impl_->con->get_raw_socket().close(ignored);
    }
    // Let the cancelled operations' handlers run now, while everything they touch still exists.
    if (impl_->io.stopped()) impl_->io.restart();
    impl_->io.poll();
  } catch (const std::exception&) {
    // Releasing below is all that is left to do.
  }
  impl_.reset();
}

HttpResult http_get_status(const std::string& host, int port, const std::string& path,
                           std::chrono::milliseconds timeout) {
  HttpResult result{WsOutcome::kTimeout, 0, "HTTP GET " + path + " timed out"};
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    asio::ip::tcp::socket socket(io);
    asio::streambuf response(4096);
    const std::string request =
        "GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + std::to_string(port) + "\r\nConnection: close\r\n\r\n";
    const auto fail = [&](WsOutcome outcome, const std::string& what, const std::error_code& ec) {
      result = {outcome, 0, what + ": " + ec.message()};
    };
    resolver.async_resolve(
        host, std::to_string(port), [&](const std::error_code& ec, asio::ip::tcp::resolver::results_type endpoints) {
          if (ec) return fail(WsOutcome::kError, "cannot resolve " + host, ec);
          asio::async_connect(socket, endpoints, [&](const std::error_code& ec, const asio::ip::tcp::endpoint&) {
            if (ec) return fail(WsOutcome::kRefused, "cannot connect to " + host + ":" + std::to_string(port), ec);
            asio::async_write(socket, asio::buffer(request), [&](const std::error_code& ec, std::size_t) {
              if (ec) return fail(WsOutcome::kClosed, "HTTP request failed", ec);
              asio::async_read_until(socket, response, "\r\n", [&](const std::error_code& ec, std::size_t) {
                if (ec) return fail(WsOutcome::kClosed, "no HTTP status line", ec);
                std::istream stream(&response);
                std::string version;
                int code = 0;
                stream >> version >> code;
                if (version.rfind("HTTP/", 0) != 0 || code < 100 || code > 599) {
                  result = {WsOutcome::kError, 0, "malformed HTTP status line"};
                } else {
                  result = {WsOutcome::kOk, code, {}};
                }
              });
            });
          });
        });
    io.run_for(timeout);
    std::error_code ignored;
    socket.close(ignored);
  } catch (const std::exception& e) {
    result = {WsOutcome::kError, 0, std::string("HTTP: ") + e.what()};
  }
  return result;
}

}  // namespace ocres::wire::detail
