#include "io/remote_status.h"

namespace ocres::wire {

std::string_view to_string(RemoteStatus status) {
  switch (status) {
    case RemoteStatus::kOk:
      return "ok";
    case RemoteStatus::kTimeout:
      return "timeout";
    case RemoteStatus::kUnavailable:
      return "unavailable";
    case RemoteStatus::kServerError:
      return "server error";
    case RemoteStatus::kProtocolError:
      return "protocol error";
  }
  return "?";
}

}  // namespace ocres::wire
