// The bridge and pose-stream decoders: exact round trips, clear errors naming the bad key, and at least
// 100,000 random and 100,000 mutated inputs per decoder without a crash (the sanitized build of this
// test turns "no crash" into "no memory error").
#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <cstring>
#include <functional>
#include <vector>

#include "core/rng.h"
#include "deploy/bridge_protocol.h"
#include "deploy/pose_protocol.h"
#include "image_pattern.h"

#ifndef OCRES_DEPLOY_FUZZ_INPUTS
#define OCRES_DEPLOY_FUZZ_INPUTS 100000
#endif

namespace ocres::deploy {
namespace {

BridgeState sample_state() {
  BridgeState s;
  s.seq = 123456789012ull;
  s.stamp_s = 17.25;
  for (int i = 0; i < 7; ++i) {
    s.robot.q[i] = 0.1 * i - 0.3;
    s.robot.dq[i] = -0.01 * i;
  }
  s.robot.X_BT = Pose{Vec3(0.45, -0.05, 0.3), Quat(0, 1, 0, 0)};
  s.robot.gripper_width_m = 0.061;
  s.robot.finger_m = {0.03, 0.031};
  s.episode = {true, 42, 0.37, false, true, false};
  s.scene.num_objects = 2;
  s.scene.X_BO[0] = Pose{Vec3(0.5, 0.1, 0.02), Quat(0.7071067811865476, 0, 0, 0.7071067811865476)};
  s.scene.X_BO[1] = Pose{Vec3(0.4, -0.2, 0.0), Quat::Identity()};
  s.scene.num_scalars = 1;
  s.scene.scalars[0] = 0.07;
  return s;
}

TEST(BridgeProtocol, StateRoundTripsExactly) {
  const BridgeState s = sample_state();
  std::vector<uint8_t> buf(4096);
  const size_t n = encode_state(s, buf);
  ASSERT_GT(n, 0u);
  BridgeReply r;
  DecodeError err;
  ASSERT_TRUE(decode_reply(std::span<const uint8_t>(buf.data(), n), r, err)) << err.what << " " << err.key;
  EXPECT_FALSE(r.is_error);
  EXPECT_EQ(r.state.seq, s.seq);
  EXPECT_EQ(r.state.stamp_s, s.stamp_s);
  EXPECT_EQ(r.state.robot.q, s.robot.q);
  EXPECT_EQ(r.state.robot.dq, s.robot.dq);
  EXPECT_EQ(r.state.robot.X_BT.p, s.robot.X_BT.p);
  EXPECT_EQ(r.state.robot.X_BT.q.coeffs(), s.robot.X_BT.q.coeffs());
  EXPECT_EQ(r.state.robot.gripper_width_m, s.robot.gripper_width_m);
  EXPECT_EQ(r.state.robot.finger_m, s.robot.finger_m);
  EXPECT_TRUE(r.state.episode.present);
  EXPECT_EQ(r.state.episode.t, 42u);
  EXPECT_TRUE(r.state.episode.terminated);
  ASSERT_EQ(r.state.scene.num_objects, 2);
  EXPECT_NEAR((r.state.scene.X_BO[0].p - s.scene.X_BO[0].p).norm(), 0, 0);
  EXPECT_EQ(r.state.scene.num_scalars, 1);
  EXPECT_EQ(r.state.scene.scalars[0], 0.07);
}

// Two small cameras with the shared test pattern (tests/io/peers/image_checks.py).
struct SampleImages {
  std::vector<uint8_t> front = testing::image_pattern(4 * 5 * 3, 1), wrist = testing::image_pattern(3 * 2 * 3, 2);
  std::vector<BridgeImage> views() const { return {{"front", 4, 5, front}, {"wrist", 3, 2, wrist}}; }
};

TEST(BridgeProtocol, ImagesRoundTripExactly) {
  const SampleImages images;
  std::vector<uint8_t> buf(4096);
  const size_t n = encode_state(sample_state(), buf, images.views());
  ASSERT_GT(n, 0u);
  BridgeReply r;
  DecodeError err;
  ASSERT_TRUE(decode_reply(std::span<const uint8_t>(buf.data(), n), r, err)) << err.what << " " << err.key;
  ASSERT_EQ(r.images.count, 2);
  const std::vector<BridgeImage> sent = images.views();
  for (int i = 0; i < 2; ++i) {
    const BridgeImage& want = sent[static_cast<size_t>(i)];
    const BridgeImage& got = r.images.items[static_cast<size_t>(i)];
    EXPECT_EQ(got.camera, want.camera);
    EXPECT_EQ(got.height_px, want.height_px);
    EXPECT_EQ(got.width_px, want.width_px);
    EXPECT_TRUE(std::equal(got.rgb.begin(), got.rgb.end(), want.rgb.begin(), want.rgb.end())) << want.camera;
  }
  EXPECT_EQ(r.state.seq, sample_state().seq);  // the rest of the state is unaffected
  // Without images the key is absent and nothing is reported.
  const size_t m = encode_state(sample_state(), buf);
  ASSERT_TRUE(decode_reply(std::span<const uint8_t>(buf.data(), m), r, err));
  EXPECT_EQ(r.images.count, 0);
  // A buffer too small for the images is reported, not overrun.
  std::vector<uint8_t> small(400);
  EXPECT_EQ(encode_state(sample_state(), small, images.views()), 0u);
}

// The sample state with one more key, "images", written by `write_images` (for malformed entries the
// encoder would never produce).
std::vector<uint8_t> state_with_image(const std::function<void(MsgWriter&)>& write_images) {
  std::vector<uint8_t> buf(8192);
  const size_t n = encode_state(sample_state(), buf);
  MsgReader reader(std::span<const uint8_t>(buf.data(), n));
  uint32_t entries = 0;
  EXPECT_TRUE(reader.read_map_header(entries));
  const size_t header = entries < 16 ? 1 : 3;  // fixmap or map16
  std::vector<uint8_t> out(n + 64 * 1024);
  MsgWriter head(out);
  head.map(entries + 1);
  const size_t body = n - header;
  std::memcpy(out.data() + head.size(), buf.data() + header, body);
  MsgWriter tail(std::span<uint8_t>(out).subspan(head.size() + body));
  tail.str("images");
  write_images(tail);
  EXPECT_TRUE(tail.ok());
  out.resize(head.size() + body + tail.size());
  return out;
}

TEST(BridgeProtocol, MalformedImagesAreRefusedNamingTheKey) {
  const std::vector<uint8_t> rgb = testing::image_pattern(2 * 2 * 3, 1), big(5000 * 3, 0);
  struct Case {
    const char* name;
    std::function<void(MsgWriter&)> write;
    const char* what;
  };
  auto image = [](std::string_view cam, uint64_t h, uint64_t w, std::span<const uint8_t> data) {
    return [=](MsgWriter& m) { m.str(cam).map(3).str("height").u64(h).str("width").u64(w).str("data").bin(data); };
  };
  const std::vector<uint8_t> short_rgb(rgb.begin(), rgb.end() - 1);
  const Case cases[] = {
      {"one byte short", [&](MsgWriter& w) { w.map(1); image("front", 2, 2, short_rgb)(w); }, "image data is not height x width x 3 bytes"},
      {"one byte long", [&](MsgWriter& w) { w.map(1); image("front", 1, 1, std::span<const uint8_t>(rgb.data(), 4))(w); },
       "image data is not height x width x 3 bytes"},
      {"zero height", [&](MsgWriter& w) { w.map(1); image("front", 0, 2, std::span<const uint8_t>())(w); }, "image height or width outside 1..4096"},
      {"huge width", [&](MsgWriter& w) { w.map(1); image("front", 1, 5000, big)(w); }, "image height or width outside 1..4096"},
      {"overflowing product", [&](MsgWriter& w) { w.map(1); image("front", 1ull << 33, 1ull << 33, rgb)(w); },
       "image height or width outside 1..4096"},
      {"missing data", [&](MsgWriter& w) { w.map(1).str("front").map(2).str("height").u64(2).str("width").u64(2); },
       "an image needs height, width and data"},
      {"data as a string", [&](MsgWriter& w) { w.map(1).str("front").map(3).str("height").u64(1).str("width").u64(1).str("data").str("abc"); },
       "expected bytes (msgpack bin)"},
      {"negative height", [&](MsgWriter& w) { w.map(1).str("front").map(3).str("height").i64(-2).str("width").u64(2).str("data").bin(rgb); },
       "expected a non-negative integer"},
      {"duplicate camera", [&](MsgWriter& w) { w.map(2); image("front", 2, 2, rgb)(w); image("front", 2, 2, rgb)(w); }, "duplicate camera name"},
      {"empty camera name", [&](MsgWriter& w) { w.map(1); image("", 2, 2, rgb)(w); }, "empty camera name"},
      {"too many cameras",
       [&](MsgWriter& w) {
         w.map(kMaxBridgeImages + 1);
         const char* names[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i"};
         for (const char* n : names) image(n, 2, 2, rgb)(w);
       },
       "too many images"},
      {"not a map", [&](MsgWriter& w) { w.array(1).u64(3); }, "expected a map"},
  };
  for (const Case& c : cases) {
    const std::vector<uint8_t> msg = state_with_image(c.write);
    BridgeReply r;
    DecodeError err;
    EXPECT_FALSE(decode_reply(msg, r, err)) << c.name;
    EXPECT_STREQ(err.what, c.what) << c.name;
    EXPECT_EQ(err.key, "images") << c.name;
    EXPECT_EQ(r.images.count, 0) << c.name;
  }
  // A bin header promising more bytes than the message holds: truncated, not read past the end.
  std::vector<uint8_t> msg = state_with_image([&](MsgWriter& w) { w.map(1); image("front", 2, 2, rgb)(w); });
  msg.resize(msg.size() - 5);
  BridgeReply r;
  DecodeError err;
  EXPECT_FALSE(decode_reply(msg, r, err));
  EXPECT_STREQ(err.what, "truncated message");
  // The well-formed image through the same path is accepted.
  msg = state_with_image([&](MsgWriter& w) { w.map(1); image("front", 2, 2, rgb)(w); });
  ASSERT_TRUE(decode_reply(msg, r, err)) << err.what;
  ASSERT_EQ(r.images.count, 1);
  EXPECT_EQ(r.images.items[0].rgb.size(), 12u);
}

TEST(BridgeProtocol, RequestsRoundTrip) {
  std::vector<uint8_t> buf(1024);
  BridgeRequest q;
  q.type = BridgeRequestType::kCommand;
  q.seq = 7;
  q.target = Action{Vec3(0.4, 0.1, 0.2), Quat(0, 1, 0, 0), 0.03};
  size_t n = encode_request(q, buf);
  BridgeRequest d;
  DecodeError err;
  ASSERT_TRUE(decode_request(std::span<const uint8_t>(buf.data(), n), d, err)) << err.what;
  EXPECT_EQ(d.type, BridgeRequestType::kCommand);
  EXPECT_EQ(d.seq, 7u);
  EXPECT_EQ(d.target.p_BT, q.target.p_BT);
  EXPECT_EQ(d.target.gripper_width_m, 0.03);
  q = BridgeRequest{};
  q.type = BridgeRequestType::kReset;
  q.episode = 3;
  q.seed = 0xFFFFFFFFFFFFFFFFull;  // the full uint64 range survives
  n = encode_request(q, buf);
  ASSERT_TRUE(decode_request(std::span<const uint8_t>(buf.data(), n), d, err));
  EXPECT_EQ(d.type, BridgeRequestType::kReset);
  EXPECT_EQ(d.seed, q.seed);
  EXPECT_EQ(d.episode, 3u);
  // get_state asks for images only when told to.
  q = BridgeRequest{};
  n = encode_request(q, buf);
  ASSERT_TRUE(decode_request(std::span<const uint8_t>(buf.data(), n), d, err));
  EXPECT_FALSE(d.images);
  q.images = true;
  n = encode_request(q, buf);
  ASSERT_TRUE(decode_request(std::span<const uint8_t>(buf.data(), n), d, err));
  EXPECT_EQ(d.type, BridgeRequestType::kGetState);
  EXPECT_TRUE(d.images);
}

TEST(BridgeProtocol, ErrorsNameTheBadKey) {
  std::vector<uint8_t> buf(1024);
  MsgWriter w(buf);
  w.map(3).str("type").str("command").str("p_BT_m").numbers(std::vector<double>{0.1, 0.2, 0.3});
  w.str("q_BT_wxyz").numbers(std::vector<double>{1, 0, 0, 0});
  BridgeRequest d;
  DecodeError err;
  EXPECT_FALSE(decode_request(w.bytes(), d, err));
  EXPECT_EQ(err.key, "gripper_width_m");
  EXPECT_STREQ(err.what, "missing required field");

  MsgWriter w2(buf);
  w2.map(3).str("type").str("command").str("p_BT_m").numbers(std::vector<double>{0.1, NAN, 0.3});
  w2.str("q_BT_wxyz").numbers(std::vector<double>{1, 0, 0, 0});
  EXPECT_FALSE(decode_request(w2.bytes(), d, err));
  EXPECT_EQ(err.key, "p_BT_m");
  EXPECT_STREQ(err.what, "non-finite position");

  BridgeReply r;
  const size_t n = encode_error("robot is in reflex mode", buf);
  ASSERT_TRUE(decode_reply(std::span<const uint8_t>(buf.data(), n), r, err));
  EXPECT_TRUE(r.is_error);
  EXPECT_STREQ(r.error.data(), "robot is in reflex mode");
}

TEST(PoseProtocol, RoundTripAndValidation) {
  std::vector<uint8_t> buf(512);
  const Pose X{Vec3(0.5, 0.1, 0.02), Quat(0.7071067811865476, 0, 0, 0.7071067811865476)};
  size_t n = encode_pose_message("block", "base", X, 0.8, 12.5, buf);
  PoseMessage m;
  DecodeError err;
  ASSERT_TRUE(decode_pose_message(std::span<const uint8_t>(buf.data(), n), m, err)) << err.what;
  EXPECT_EQ(m.object, "block");
  EXPECT_EQ(m.frame, "base");
  EXPECT_EQ(m.X_FO.p, X.p);
  EXPECT_NEAR(m.X_FO.q.angularDistance(X.q), 0, 1e-12);
  EXPECT_EQ(m.confidence, 0.8);
  EXPECT_EQ(m.stamp_s, 12.5);
  struct Bad {
    Pose X;
    double conf;
    const char* key;
  };
  const Bad bad[] = {{Pose{Vec3(NAN, 0, 0), Quat::Identity()}, 0.9, "<numbers>"},
                     {Pose{Vec3(1e6, 0, 0), Quat::Identity()}, 0.9, "position_m"},
                     {Pose{Vec3(0, 0, 0), Quat::Identity()}, 1.5, "confidence"},
                     {Pose{Vec3(0, 0, 0), Quat(0.5, 0, 0, 0)}, 0.9, "quaternion_wxyz"}};
  for (const Bad& b : bad) {
    n = encode_pose_message("block", "base", b.X, b.conf, 1.0, buf);
    EXPECT_FALSE(decode_pose_message(std::span<const uint8_t>(buf.data(), n), m, err)) << b.key;
    EXPECT_EQ(err.key, b.key);
  }
}

TEST(PoseProtocol, ScalarsTravelWithThePose) {
  std::vector<uint8_t> buf(512);
  const Pose X{Vec3(0.6, 0.0, 0.1), Quat::Identity()};
  const double opening[1] = {0.042};
  size_t n = encode_pose_message("drawer", "base", X, 0.9, 3.0, buf, opening);
  PoseMessage m;
  DecodeError err;
  ASSERT_TRUE(decode_pose_message(std::span<const uint8_t>(buf.data(), n), m, err)) << err.what;
  ASSERT_EQ(m.num_scalars, 1);
  EXPECT_EQ(m.scalars[0], 0.042);
  // Without "scalars" the message is the 6-field one and decodes with none.
  n = encode_pose_message("drawer", "base", X, 0.9, 3.0, buf);
  ASSERT_TRUE(decode_pose_message(std::span<const uint8_t>(buf.data(), n), m, err)) << err.what;
  EXPECT_EQ(m.num_scalars, 0);
  const double nan[1] = {NAN}, absurd[1] = {1e3}, too_many[kMaxTaskScalars + 1] = {};
  n = encode_pose_message("drawer", "base", X, 0.9, 3.0, buf, nan);
  EXPECT_FALSE(decode_pose_message(std::span<const uint8_t>(buf.data(), n), m, err));
  n = encode_pose_message("drawer", "base", X, 0.9, 3.0, buf, absurd);
  EXPECT_FALSE(decode_pose_message(std::span<const uint8_t>(buf.data(), n), m, err));
  EXPECT_EQ(err.key, "scalars");
  n = encode_pose_message("drawer", "base", X, 0.9, 3.0, buf, too_many);
  EXPECT_FALSE(decode_pose_message(std::span<const uint8_t>(buf.data(), n), m, err));
  EXPECT_EQ(err.key, "scalars");
}

// Feeds random bytes, and valid messages with random mutations (byte flips, truncation, insertion,
// splices of msgpack type bytes), to a decoder. The decoder must return (true or false) every time.
template <class Decode>
void fuzz(const std::vector<std::vector<uint8_t>>& seeds, Decode decode, uint64_t seed) {
  Rng rng(seed);
  static constexpr uint8_t kTypeBytes[] = {0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xca, 0xcb, 0xcc, 0xcf, 0xd0, 0xd3, 0xd9,
                                           0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xff};
  std::vector<uint8_t> buf;
  int accepted = 0;
  for (int i = 0; i < OCRES_DEPLOY_FUZZ_INPUTS; ++i) {
    // Random bytes, often starting with a map header so the decoder gets past the first byte.
    buf.resize(rng.uniform_int(64));
    for (auto& b : buf) b = static_cast<uint8_t>(rng.next_u64());
    if (!buf.empty() && rng.bernoulli(0.5)) buf[0] = static_cast<uint8_t>(0x80 | rng.uniform_int(16));
    accepted += decode(buf);
  }
  for (int i = 0; i < OCRES_DEPLOY_FUZZ_INPUTS; ++i) {
    buf = seeds[rng.uniform_int(seeds.size())];
    const int edits = 1 + static_cast<int>(rng.uniform_int(4));
    for (int e = 0; e < edits && !buf.empty(); ++e) {
      const size_t at = rng.uniform_int(buf.size());
      switch (rng.uniform_int(5)) {
        case 0: buf[at] ^= static_cast<uint8_t>(1u << rng.uniform_int(8)); break;
        case 1: buf.resize(at); break;
        case 2: buf.insert(buf.begin() + static_cast<long>(at), static_cast<uint8_t>(rng.next_u64())); break;
        case 3: buf[at] = kTypeBytes[rng.uniform_int(sizeof kTypeBytes)]; break;
        case 4: buf[at] = static_cast<uint8_t>(rng.next_u64()); break;
      }
    }
    accepted += decode(buf);
  }
  // Some mutations (e.g. of a number's low bits) stay valid: the decoder is not rejecting everything.
  EXPECT_GT(accepted, 0);
}

TEST(DeployDecoders, SurviveRandomAndMutatedInputs) {
  std::vector<uint8_t> buf(4096);
  std::vector<std::vector<uint8_t>> replies, requests, poses;
  BridgeState s = sample_state();
  replies.emplace_back(buf.begin(), buf.begin() + static_cast<long>(encode_state(s, buf)));
  // With images: mutations hit their headers, sizes and bytes.
  const SampleImages images;
  replies.emplace_back(buf.begin(), buf.begin() + static_cast<long>(encode_state(s, buf, images.views())));
  s.scene.num_objects = -1;
  s.episode.present = false;
  replies.emplace_back(buf.begin(), buf.begin() + static_cast<long>(encode_state(s, buf)));
  replies.emplace_back(buf.begin(), buf.begin() + static_cast<long>(encode_error("reflex", buf)));
  for (auto type : {BridgeRequestType::kGetState, BridgeRequestType::kReset, BridgeRequestType::kCommand, BridgeRequestType::kStop}) {
    BridgeRequest q;
    q.type = type;
    q.seed = 99;
    q.images = type == BridgeRequestType::kGetState;
    std::strcpy(q.reason.data(), "divergence");
    requests.emplace_back(buf.begin(), buf.begin() + static_cast<long>(encode_request(q, buf)));
  }
  poses.emplace_back(buf.begin(),
                     buf.begin() + static_cast<long>(encode_pose_message("block", "base", Pose{Vec3(0.5, 0, 0), Quat::Identity()}, 0.7, 3.0, buf)));
  const double opening[1] = {0.05};
  poses.emplace_back(buf.begin(), buf.begin() + static_cast<long>(encode_pose_message(
                                                    "drawer", "base", Pose{Vec3(0.6, 0, 0.1), Quat::Identity()}, 0.8, 4.0, buf, opening)));
  fuzz(replies, [](const std::vector<uint8_t>& b) {
    BridgeReply r;
    DecodeError e;
    const bool ok = decode_reply(b, r, e);
    // Whatever image is accepted lies inside the input and has exactly height x width x 3 bytes.
    if (ok)
      for (int i = 0; i < r.images.count; ++i) {
        const BridgeImage& im = r.images.items[static_cast<size_t>(i)];
        EXPECT_EQ(im.rgb.size(), static_cast<size_t>(im.height_px) * static_cast<size_t>(im.width_px) * 3);
        EXPECT_GE(im.rgb.data(), b.data());
        EXPECT_LE(im.rgb.data() + im.rgb.size(), b.data() + b.size());
      }
    return ok;
  }, 1);
  fuzz(requests, [](const std::vector<uint8_t>& b) {
    BridgeRequest r;
    DecodeError e;
    return decode_request(b, r, e);
  }, 2);
  fuzz(poses, [](const std::vector<uint8_t>& b) {
    PoseMessage m;
    DecodeError e;
    const bool ok = decode_pose_message(b, m, e);
    // Whatever is accepted is usable as-is by the gate.
    if (ok) {
      EXPECT_TRUE(m.X_FO.p.allFinite());
      EXPECT_NEAR(m.X_FO.q.norm(), 1.0, 1e-9);
      EXPECT_GE(m.confidence, 0.0);
      EXPECT_LE(m.confidence, 1.0);
    }
    return ok;
  }, 3);
}

TEST(DeployDecoders, DeepNestingIsBounded) {
  // 100,000 nested arrays inside an unknown key: skipped with an error, no stack overflow.
  std::vector<uint8_t> b = {0x81, 0xa1, 'x'};
  b.insert(b.end(), 100000, 0x91);
  b.push_back(0xc0);
  PoseMessage m;
  DecodeError e;
  EXPECT_FALSE(decode_pose_message(b, m, e));
  EXPECT_STREQ(e.what, "nesting too deep");
}

}  // namespace
}  // namespace ocres::deploy
