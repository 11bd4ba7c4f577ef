#pragma once
// What a call to a remote base-policy server returns. Every failure a deployment must expect -- a slow,
// dead, crashing or misbehaving server -- is one of these statuses, never an exception (core/error.h);
// the control loop decides what to do (hold, stop, retry).
#include <string>
#include <string_view>

#include "io/msgpack_value.h"

namespace ocres::wire {

enum class RemoteStatus {
  kOk,
  kTimeout,        // no reply (or no connection) within the configured time
  kUnavailable,    // could not connect, or the connection closed before the reply
  kServerError,    // the server reported an error (openpi: a text frame; GR00T: {"error": ...})
  kProtocolError,  // the reply was not what the protocol promises (malformed msgpack, wrong types, ...)
};

std::string_view to_string(RemoteStatus status);

struct RemoteResult {
  RemoteStatus status = RemoteStatus::kOk;
  std::string error;  // empty when ok; otherwise what happened, for logs
  Map response;       // the reply map when ok (a nil reply, e.g. GR00T's "kill", is an empty map)

  bool ok() const { return status == RemoteStatus::kOk; }
  static RemoteResult failure(RemoteStatus status, std::string error) { return {status, std::move(error), {}}; }
};

}  // namespace ocres::wire
