#include "core/error.h"

#include <cstdio>
#include <cstdlib>

namespace ocres {

void check_failed(const char* expr, const char* file, int line, const std::string& msg) {
  std::fprintf(stderr, "ocres: internal check failed at %s:%d: %s (%s)\n", file, line, msg.c_str(), expr);
  std::abort();
}

}  // namespace ocres
