#pragma once
// How an episode ended: success or one of the failure modes the paper describes for base policies
// (hovering / missed grasp, stopped short, misaligned, dropped), plus never reached and an early
// failing termination. Kept apart from the classifier (failure_modes.h, which needs the simulator) so
// that reports and results files can name outcomes without it.

namespace ocres::eval {

enum class Outcome { kSuccess, kNeverReached, kMissedGrasp, kDropped, kStoppedShort, kMisaligned, kFailedTerminal };
inline constexpr int kNumOutcomes = 7;
// Stable snake_case names: results.csv columns and rollout JSON keys.
const char* outcome_name(Outcome o);

}  // namespace ocres::eval
