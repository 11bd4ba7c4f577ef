#include "deploy/bridge_protocol.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "deploy/camera_source.h"

namespace ocres::deploy {

namespace {

void copy_text(std::string_view s, std::span<char> out) {
  const size_t n = std::min(s.size(), out.size() - 1);
  std::memcpy(out.data(), s.data(), n);
  out[n] = '\0';
}

void write_pose(MsgWriter& w, const Vec3& p, const Quat& q) {
  const double p3[3] = {p.x(), p.y(), p.z()};
  const double q4[4] = {q.w(), q.x(), q.y(), q.z()};
  w.str("p_BT_m").numbers(p3).str("q_BT_wxyz").numbers(q4);
}

bool finite_all(std::span<const double> v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return std::isfinite(x); });
}

// Reads a unit quaternion; rejects non-finite values and norms far from 1 (then normalises).
bool read_quat(MsgReader& r, Quat& q) {
  double v[4];
  if (!r.read_numbers(v)) return false;
  if (!finite_all(v)) return r.fail("non-finite quaternion");
  const double n = std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2] + v[3] * v[3]);
  if (std::abs(n - 1.0) > 1e-2) return r.fail("quaternion is not unit length");
  q = Quat(v[0] / n, v[1] / n, v[2] / n, v[3] / n);
  return true;
}

bool read_vec3(MsgReader& r, Vec3& p) {
  double v[3];
  if (!r.read_numbers(v)) return false;
  if (!finite_all(v)) return r.fail("non-finite position");
  p = Vec3(v[0], v[1], v[2]);
  return true;
}

bool read_finite(MsgReader& r, double& v) {
  if (!r.read_number(v)) return false;
  if (!std::isfinite(v)) return r.fail("non-finite number");
  return true;
}

// "images": {camera: {"height", "width", "data"}}; every size is checked before a view is kept, so an
// accepted image always has exactly height * width * 3 bytes.
bool read_images(MsgReader& r, BridgeImages& out) {
  uint32_t n;
  if (!r.read_map_header(n)) return false;
  if (n > static_cast<uint32_t>(kMaxBridgeImages)) return r.fail("too many images");
  out.count = 0;
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    BridgeImage im;
    if (!r.read_str(im.camera)) return false;
    if (im.camera.empty()) return r.fail("empty camera name");
    for (int j = 0; j < out.count; ++j)
      if (out.items[j].camera == im.camera) return r.fail("duplicate camera name");
    uint32_t m;
    if (!r.read_map_header(m)) return false;
    uint64_t h = 0, w = 0;
    bool has_h = false, has_w = false, has_data = false;
    for (uint32_t k = 0; k < m && r.ok(); ++k) {
      std::string_view field;
      if (!r.read_str(field)) return false;
      if (field == "height") has_h = r.read_uint(h);
      else if (field == "width") has_w = r.read_uint(w);
      else if (field == "data") has_data = r.read_bin(im.rgb);
      else r.skip();
    }
    if (!r.ok()) return false;
    if (!(has_h && has_w && has_data)) return r.fail("an image needs height, width and data");
    if (h < 1 || w < 1 || h > static_cast<uint64_t>(kMaxCameraSide_px) || w > static_cast<uint64_t>(kMaxCameraSide_px))
      return r.fail("image height or width outside 1..4096");
    if (im.rgb.size() != h * w * 3) return r.fail("image data is not height x width x 3 bytes");
    im.height_px = static_cast<int>(h);
    im.width_px = static_cast<int>(w);
    out.items[static_cast<size_t>(out.count++)] = im;
  }
  return r.ok();
}

bool finish(MsgReader& r, DecodeError& err, std::string_view key) {
  if (r.ok() && !r.at_end()) r.fail("trailing bytes after the message");
  if (r.ok()) return true;
  err.what = r.error();
  err.key = key;
  err.offset = r.offset();
  return false;
}

}  // namespace

size_t encode_request(const BridgeRequest& q, std::span<uint8_t> out) {
  MsgWriter w(out);
  switch (q.type) {
    case BridgeRequestType::kGetState:
      w.map(q.images ? 2 : 1).str("type").str("get_state");
      if (q.images) w.str("images").boolean(true);
      break;
    case BridgeRequestType::kReset:
      w.map(3).str("type").str("reset").str("episode").u64(q.episode).str("seed").u64(q.seed);
      break;
    case BridgeRequestType::kCommand:
      w.map(5).str("type").str("command").str("seq").u64(q.seq);
      write_pose(w, q.target.p_BT, q.target.q_BT);
      w.str("gripper_width_m").f64(q.target.gripper_width_m);
      break;
    case BridgeRequestType::kStop:
      w.map(2).str("type").str("stop").str("reason").str(std::string_view(q.reason.data()));
      break;
  }
  return w.ok() ? w.size() : 0;
}

size_t encode_state(const BridgeState& s, std::span<uint8_t> out, std::span<const BridgeImage> images) {
  OCRES_CHECK(images.size() <= static_cast<size_t>(kMaxBridgeImages), "encode_state: too many images");
  MsgWriter w(out);
  const bool fb = s.episode.present;
  const bool scene = s.scene.num_objects >= 0;
  w.map(9 + (fb ? 5 : 0) + (scene ? 2 : 0) + (s.pose_stamp_s >= 0 ? 1 : 0) + (images.empty() ? 0 : 1));
  w.str("type").str("state").str("seq").u64(s.seq).str("stamp_s").f64(s.stamp_s);
  w.str("q_rad").numbers(std::span<const double>(s.robot.q.data(), 7));
  w.str("dq_rad_s").numbers(std::span<const double>(s.robot.dq.data(), 7));
  write_pose(w, s.robot.X_BT.p, s.robot.X_BT.q);
  w.str("gripper_width_m").f64(s.robot.gripper_width_m);
  w.str("finger_m").numbers(s.robot.finger_m);
  if (fb) {
    w.str("episode_t").u64(s.episode.t).str("reward").f64(s.episode.reward);
    w.str("success").boolean(s.episode.success).str("terminated").boolean(s.episode.terminated);
    w.str("truncated").boolean(s.episode.truncated);
  }
  if (scene) {
    w.str("scene_X_BO").array(static_cast<uint32_t>(s.scene.num_objects));
    for (int i = 0; i < s.scene.num_objects; ++i) {
      const Pose& X = s.scene.X_BO[i];
      const double v[7] = {X.p.x(), X.p.y(), X.p.z(), X.q.w(), X.q.x(), X.q.y(), X.q.z()};
      w.numbers(v);
    }
    w.str("scene_scalars").numbers(std::span<const double>(s.scene.scalars.data(), s.scene.num_scalars));
  }
  if (s.pose_stamp_s >= 0) w.str("pose_stamp_s").f64(s.pose_stamp_s);
  if (!images.empty()) {
    w.str("images").map(static_cast<uint32_t>(images.size()));
    for (const BridgeImage& im : images) {
      OCRES_CHECK(im.rgb.size() == static_cast<size_t>(im.height_px) * static_cast<size_t>(im.width_px) * 3,
                  "encode_state: image data is not height x width x 3 bytes");
      w.str(im.camera).map(3).str("height").u64(static_cast<uint64_t>(im.height_px));
      w.str("width").u64(static_cast<uint64_t>(im.width_px)).str("data").bin(im.rgb);
    }
  }
  return w.ok() ? w.size() : 0;
}

size_t encode_error(std::string_view message, std::span<uint8_t> out) {
  MsgWriter w(out);
  w.map(2).str("type").str("error").str("message").str(message.substr(0, 200));
  return w.ok() ? w.size() : 0;
}

bool decode_request(std::span<const uint8_t> in, BridgeRequest& out, DecodeError& err) {
  MsgReader r(in);
  out = BridgeRequest{};
  uint32_t n = 0;
  std::string_view key = "<message>", type;
  bool has_p = false, has_q = false, has_g = false;
  if (r.read_map_header(n)) {
    for (uint32_t i = 0; i < n && r.ok(); ++i) {
      if (!r.read_str(key)) break;
      if (key == "type") r.read_str(type);
      else if (key == "episode") r.read_uint(out.episode);
      else if (key == "seed") r.read_uint(out.seed);
      else if (key == "seq") r.read_uint(out.seq);
      else if (key == "images") r.read_bool(out.images);
      else if (key == "p_BT_m") has_p = read_vec3(r, out.target.p_BT);
      else if (key == "q_BT_wxyz") has_q = read_quat(r, out.target.q_BT);
      else if (key == "gripper_width_m") has_g = read_finite(r, out.target.gripper_width_m);
      else if (key == "reason") {
        std::string_view s;
        if (r.read_str(s)) copy_text(s, out.reason);
      } else r.skip();
    }
  }
  if (r.ok()) {
    key = "type";
    if (type == "get_state") out.type = BridgeRequestType::kGetState;
    else if (type == "reset") out.type = BridgeRequestType::kReset;
    else if (type == "stop") out.type = BridgeRequestType::kStop;
    else if (type == "command") {
      out.type = BridgeRequestType::kCommand;
      if (!has_p) key = "p_BT_m";
      else if (!has_q) key = "q_BT_wxyz";
      else if (!has_g) key = "gripper_width_m";
      if (!(has_p && has_q && has_g)) r.fail("missing required field");
    } else r.fail("unknown or missing request type");
  }
  return finish(r, err, key);
}

bool decode_reply(std::span<const uint8_t> in, BridgeReply& out, DecodeError& err) {
  MsgReader r(in);
  out.is_error = false;
  out.error[0] = '\0';
  BridgeState& s = out.state;
  s.episode = EpisodeFeedback{};
  s.scene.num_objects = -1;
  s.pose_stamp_s = -1;
  s.scene.num_scalars = 0;
  out.images.count = 0;
  uint32_t n = 0;
  std::string_view key = "<message>", type;
  // Required fields of a state, one bit each.
  enum : unsigned { kSeq = 1, kStamp = 2, kQ = 4, kDq = 8, kP = 16, kQuat = 32, kGrip = 64, kFinger = 128 };
  unsigned have = 0;
  static constexpr const char* kRequired[] = {"seq", "stamp_s", "q_rad", "dq_rad_s", "p_BT_m", "q_BT_wxyz", "gripper_width_m", "finger_m"};
  if (r.read_map_header(n)) {
    for (uint32_t i = 0; i < n && r.ok(); ++i) {
      if (!r.read_str(key)) break;
      if (key == "type") r.read_str(type);
      else if (key == "message") {
        std::string_view m;
        if (r.read_str(m)) copy_text(m, out.error);
      } else if (key == "seq") { if (r.read_uint(s.seq)) have |= kSeq; }
      else if (key == "stamp_s") { if (read_finite(r, s.stamp_s)) have |= kStamp; }
      else if (key == "q_rad" || key == "dq_rad_s") {
        double v[7];
        if (r.read_numbers(v)) {
          if (!finite_all(v)) r.fail("non-finite joint value");
          auto& dst = key == "q_rad" ? s.robot.q : s.robot.dq;
          for (int j = 0; j < 7; ++j) dst[j] = v[j];
          have |= key == "q_rad" ? kQ : kDq;
        }
      } else if (key == "p_BT_m") { if (read_vec3(r, s.robot.X_BT.p)) have |= kP; }
      else if (key == "q_BT_wxyz") { if (read_quat(r, s.robot.X_BT.q)) have |= kQuat; }
      else if (key == "gripper_width_m") { if (read_finite(r, s.robot.gripper_width_m)) have |= kGrip; }
      else if (key == "finger_m") {
        double v[2];
        if (r.read_numbers(v)) {
          if (!finite_all(v)) r.fail("non-finite finger opening");
          s.robot.finger_m = {v[0], v[1]};
          have |= kFinger;
        }
      } else if (key == "episode_t") { if (r.read_uint(s.episode.t)) s.episode.present = true; }
      else if (key == "reward") { if (read_finite(r, s.episode.reward)) s.episode.present = true; }
      else if (key == "success") r.read_bool(s.episode.success);
      else if (key == "terminated") r.read_bool(s.episode.terminated);
      else if (key == "truncated") r.read_bool(s.episode.truncated);
      else if (key == "scene_X_BO") {
        uint32_t m;
        if (r.read_array_header(m)) {
          if (m > static_cast<uint32_t>(kMaxObjects)) r.fail("too many scene objects");
          for (uint32_t j = 0; j < m && r.ok(); ++j) {
            double v[7];
            if (!r.read_numbers(v)) break;
            if (!finite_all(v)) r.fail("non-finite scene pose");
            const Quat q(v[3], v[4], v[5], v[6]);
            if (std::abs(q.norm() - 1.0) > 1e-2) r.fail("scene quaternion is not unit length");
            s.scene.X_BO[j] = Pose{Vec3(v[0], v[1], v[2]), q.normalized()};
          }
          s.scene.num_objects = static_cast<int>(m);
        }
      } else if (key == "images") {
        if (!read_images(r, out.images)) out.images.count = 0;
      } else if (key == "pose_stamp_s") {
        read_finite(r, s.pose_stamp_s);
      } else if (key == "scene_scalars") {
        uint32_t m;
        if (r.read_array_header(m)) {
          if (m > static_cast<uint32_t>(kMaxTaskScalars)) r.fail("too many scene scalars");
          for (uint32_t j = 0; j < m && r.ok(); ++j)
            if (read_finite(r, s.scene.scalars[j])) s.scene.num_scalars = static_cast<int>(j + 1);
        }
      } else r.skip();
    }
  }
  if (r.ok()) {
    key = "type";
    if (type == "error") out.is_error = true;
    else if (type != "state") r.fail("reply type is neither 'state' nor 'error'");
    else if (have != 0xff) {
      for (int b = 0; b < 8; ++b)
        if (!(have & (1u << b))) {
          key = kRequired[b];
          break;
        }
      r.fail("missing required field");
    }
  }
  if (!finish(r, err, key)) {
    out.images.count = 0;  // no view into a rejected message survives
    return false;
  }
  return true;
}

}  // namespace ocres::deploy
