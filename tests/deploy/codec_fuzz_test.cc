// The bridge and pose-stream decoders: exact round trips, clear errors naming the bad key, and at least
// 100,000 random and 100,000 mutated inputs per decoder without a crash (the sanitized build of this
// test turns "no crash" into "no memory error").
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/rng.h"
#include "deploy/bridge_protocol.h"
#include "deploy/pose_protocol.h"

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
  s.scene.num_objects = -1;
  s.episode.present = false;
  replies.emplace_back(buf.begin(), buf.begin() + static_cast<long>(encode_state(s, buf)));
  replies.emplace_back(buf.begin(), buf.begin() + static_cast<long>(encode_error("reflex", buf)));
  for (auto type : {BridgeRequestType::kGetState, BridgeRequestType::kReset, BridgeRequestType::kCommand, BridgeRequestType::kStop}) {
    BridgeRequest q;
    q.type = type;
    q.seed = 99;
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
    return decode_reply(b, r, e);
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
