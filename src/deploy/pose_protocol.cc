#include "deploy/pose_protocol.h"

#include <cmath>

namespace ocres::deploy {

size_t encode_pose_message(std::string_view object, std::string_view frame, const Pose& X, double confidence,
                           double stamp_s, std::span<uint8_t> out, std::span<const double> scalars) {
  MsgWriter w(out);
  const double p[3] = {X.p.x(), X.p.y(), X.p.z()};
  const double q[4] = {X.q.w(), X.q.x(), X.q.y(), X.q.z()};
  w.map(scalars.empty() ? 6 : 7).str("object").str(object).str("frame").str(frame).str("position_m").numbers(p);
  w.str("quaternion_wxyz").numbers(q).str("confidence").f64(confidence).str("stamp_s").f64(stamp_s);
  if (!scalars.empty()) w.str("scalars").numbers(scalars);
  return w.ok() ? w.size() : 0;
}

bool decode_pose_message(std::span<const uint8_t> in, PoseMessage& out, DecodeError& err) {
  MsgReader r(in);
  out = PoseMessage{};
  uint32_t n = 0;
  std::string_view key = "<message>";
  unsigned have = 0;
  static constexpr const char* kNames[] = {"object", "frame", "position_m", "quaternion_wxyz", "confidence", "stamp_s"};
  double p[3] = {0, 0, 0}, q[4] = {1, 0, 0, 0};
  if (r.read_map_header(n)) {
    for (uint32_t i = 0; i < n && r.ok(); ++i) {
      if (!r.read_str(key)) break;
      if (key == "object") { if (r.read_str(out.object)) have |= 1; }
      else if (key == "frame") { if (r.read_str(out.frame)) have |= 2; }
      else if (key == "position_m") { if (r.read_numbers(p)) have |= 4; }
      else if (key == "quaternion_wxyz") { if (r.read_numbers(q)) have |= 8; }
      else if (key == "confidence") { if (r.read_number(out.confidence)) have |= 16; }
      else if (key == "stamp_s") { if (r.read_number(out.stamp_s)) have |= 32; }
      else if (key == "scalars") {
        uint32_t m = 0;
        if (r.read_array_header(m)) {
          if (m > static_cast<uint32_t>(kMaxTaskScalars)) r.fail("too many scalars");
          out.num_scalars = 0;
          for (uint32_t j = 0; j < m && r.ok(); ++j)
            if (r.read_number(out.scalars[j])) out.num_scalars = static_cast<int>(j + 1);
        }
      } else r.skip();
    }
  }
  if (r.ok() && have != 63) {
    for (int b = 0; b < 6; ++b)
      if (!(have & (1u << b))) {
        key = kNames[b];
        break;
      }
    r.fail("missing required field");
  }
  if (r.ok()) {
    const double qn = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
    bool finite = std::isfinite(qn) && std::isfinite(out.confidence) && std::isfinite(out.stamp_s);
    for (double v : p) finite = finite && std::isfinite(v);
    bool absurd_scalar = false;
    for (int j = 0; j < out.num_scalars; ++j) {
      finite = finite && std::isfinite(out.scalars[j]);
      absurd_scalar = absurd_scalar || std::abs(out.scalars[j]) > kMaxAbsPositionM;
    }
    if (!finite) key = "<numbers>", r.fail("non-finite value");
    else if (std::abs(qn - 1.0) > 1e-2) key = "quaternion_wxyz", r.fail("quaternion is not unit length");
    else if (out.confidence < 0 || out.confidence > 1) key = "confidence", r.fail("confidence outside [0, 1]");
    else if (std::abs(p[0]) > kMaxAbsPositionM || std::abs(p[1]) > kMaxAbsPositionM || std::abs(p[2]) > kMaxAbsPositionM)
      key = "position_m", r.fail("position is absurdly far");
    else if (absurd_scalar) key = "scalars", r.fail("scalar is absurdly large");
    else if (out.object.empty()) key = "object", r.fail("empty object name");
    out.X_FO = Pose{Vec3(p[0], p[1], p[2]), Quat(q[0] / qn, q[1] / qn, q[2] / qn, q[3] / qn)};
  }
  if (r.ok() && !r.at_end()) r.fail("trailing bytes after the message");
  if (r.ok()) return true;
  err.what = r.error();
  err.key = key;
  err.offset = r.offset();
  return false;
}

}  // namespace ocres::deploy
