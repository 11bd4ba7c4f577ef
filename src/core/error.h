#pragma once
// Error taxonomy (see docs/architecture.md):
//  * a bug (broken invariant)          -> OCRES_CHECK, always on, aborts with file:line and message;
//  * bad user input (config, CLI, file) -> throw InputError naming the bad value, at load time;
//  * expected runtime failures (timeouts, stale poses) -> returned status values the caller handles.
#include <stdexcept>
#include <string>

namespace ocres {

// Bad user input: an unknown name, a malformed or out-of-range value, a truncated file.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] void check_failed(const char* expr, const char* file, int line, const std::string& msg);

}  // namespace ocres

#define OCRES_CHECK(cond, msg)                                        \
  do {                                                                \
    if (!(cond)) ::ocres::check_failed(#cond, __FILE__, __LINE__, (msg)); \
  } while (0)
