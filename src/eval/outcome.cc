#include "eval/outcome.h"

namespace ocres::eval {

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kSuccess: return "success";
    case Outcome::kNeverReached: return "never_reached";
    case Outcome::kMissedGrasp: return "missed_grasp_hovering";
    case Outcome::kDropped: return "dropped";
    case Outcome::kStoppedShort: return "stopped_short";
    case Outcome::kMisaligned: return "misaligned";
    case Outcome::kFailedTerminal: return "knocked_off";
  }
  return "?";
}

}  // namespace ocres::eval
