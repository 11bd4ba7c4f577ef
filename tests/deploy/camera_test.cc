// Camera frames in the deployment runtime: the FrameStore refuses what is not an RGB frame of a camera
// it was asked to keep, nearest-neighbour resampling picks the exact source pixels, and the frames of a
// chunk request travel with its observation to the worker thread -- a frame published while the worker
// is busy never leaks into the request being encoded.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>

#include "deploy/async_chunk_source.h"
#include "core/error.h"
#include "deploy/camera_source.h"
#include "image_pattern.h"

namespace ocres::deploy {
namespace {

using testing::image_pattern;

TEST(FrameStore, KeepsOnlyWellFormedFramesOfItsCameras) {
  FrameStore store({"front", "wrist"});
  EXPECT_EQ(store.find("wrist"), 1);
  EXPECT_EQ(store.find("side"), -1);
  CameraFrame f;
  EXPECT_FALSE(store.latest(0, f));
  EXPECT_FALSE(f.present());
  const std::vector<uint8_t> rgb = image_pattern(4 * 5 * 3, 1);
  EXPECT_FALSE(store.publish("side", 4, 5, rgb, 1.0));                         // not asked for
  EXPECT_FALSE(store.publish("front", 5, 5, rgb, 1.0));                        // size mismatch
  EXPECT_FALSE(store.publish("front", 0, 5, std::span<const uint8_t>(), 1.0));  // empty
  EXPECT_FALSE(store.publish("front", kMaxCameraSide_px + 1, 1, rgb, 1.0));
  ASSERT_TRUE(store.publish("front", 4, 5, rgb, 2.5));
  ASSERT_TRUE(store.latest(0, f));
  EXPECT_EQ(f.height_px, 4);
  EXPECT_EQ(f.width_px, 5);
  EXPECT_EQ(f.stamp_s, 2.5);
  EXPECT_EQ(f.rgb, rgb);
  EXPECT_FALSE(store.latest(1, f));  // the wrist camera still has delivered nothing
  store.clear();
  EXPECT_FALSE(store.latest(0, f));
}

TEST(ResizeNearest, PicksTheNearestSourcePixel) {
  CameraFrame in;
  in.height_px = 4;
  in.width_px = 6;
  in.rgb = image_pattern(4 * 6 * 3, 3);
  CameraFrame out;
  resize_nearest(in, 4, 6, out);  // same size: an exact copy
  EXPECT_EQ(out.rgb, in.rgb);
  resize_nearest(in, 2, 3, out);  // halving: destination (r, c) samples source (2r + 1, 2c + 1)
  ASSERT_EQ(out.rgb.size(), 2u * 3 * 3);
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 3; ++c)
      for (int k = 0; k < 3; ++k)
        EXPECT_EQ(out.rgb[(r * 3 + c) * 3 + k], in.rgb[((2 * r + 1) * 6 + 2 * c + 1) * 3 + k]) << r << " " << c;
  resize_nearest(in, 8, 12, out);  // doubling: every source pixel twice in each direction
  for (int r = 0; r < 8; ++r)
    for (int c = 0; c < 12; ++c) EXPECT_EQ(out.rgb[(r * 12 + c) * 3], in.rgb[((r / 2) * 6 + c / 2) * 3]);
}

// A base policy that looks at one camera and records what it was given; it can be held inside
// predict_with_frames until the test releases it.
class SeeingSource : public ChunkSource {
 public:
  int chunk_size() const override { return 4; }
  void reset(Rng&) override {}
  std::vector<std::string> camera_names() const override { return {"front"}; }
  LinkStatus predict(const Observation&, std::span<Action>, const char*& error) override {
    error = "called without frames";
    return LinkStatus::kPeerError;
  }
  LinkStatus predict_with_frames(const Observation& obs, std::span<const CameraFrame> frames, std::span<Action> chunk,
                                 const char*& error) override {
    std::unique_lock lock(mutex);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [&] { return released; });
    seen_t = obs.t;
    seen_stamp_s = frames[0].stamp_s;
    seen_first_byte = frames[0].present() ? frames[0].rgb[0] : -1;
    for (Action& a : chunk) a = Action{};
    error = "";
    return LinkStatus::kOk;
  }
  std::mutex mutex;
  std::condition_variable cv;
  bool entered = false, released = true;
  int seen_t = -1, seen_first_byte = -1;
  double seen_stamp_s = -2;
};

TEST(AsyncChunkSource, FramesTravelWithTheirObservation) {
  SeeingSource source;
  FrameStore store({"front"});
  AsyncChunkSource base(source, &store);
  std::vector<Action> chunk(4);
  const char* error = "";
  const auto deadline = [] { return std::chrono::steady_clock::now() + std::chrono::seconds(10); };

  // State of tick 7 arrives with its frame; the request is built from it.
  std::vector<uint8_t> frame7(2 * 2 * 3, 7), frame8(2 * 2 * 3, 8);
  ASSERT_TRUE(store.publish("front", 2, 2, frame7, 7.0));
  {
    std::lock_guard lock(source.mutex);
    source.released = false;
  }
  Observation obs;
  obs.t = 7;
  ASSERT_TRUE(base.request(obs));
  {
    // While the worker is encoding tick 7's request, tick 8's state and frame arrive.
    std::unique_lock lock(source.mutex);
    source.cv.wait(lock, [&] { return source.entered; });
  }
  ASSERT_TRUE(store.publish("front", 2, 2, frame8, 8.0));
  {
    std::lock_guard lock(source.mutex);
    source.released = true;
  }
  source.cv.notify_all();
  ASSERT_EQ(base.wait(chunk, error, deadline()), AsyncChunkSource::Poll::kReady) << error;
  EXPECT_EQ(source.seen_t, 7);
  EXPECT_EQ(source.seen_stamp_s, 7.0);
  EXPECT_EQ(source.seen_first_byte, 7);

  // The next request carries the newer frame.
  obs.t = 8;
  ASSERT_TRUE(base.request(obs));
  ASSERT_EQ(base.wait(chunk, error, deadline()), AsyncChunkSource::Poll::kReady) << error;
  EXPECT_EQ(source.seen_t, 8);
  EXPECT_EQ(source.seen_first_byte, 8);
}

TEST(AsyncChunkSource, RefusesASourceWhoseCameraNobodyProvides) {
  SeeingSource source;
  FrameStore other({"wrist"});
  EXPECT_THROW({ AsyncChunkSource base(source, &other); }, InputError);
  EXPECT_THROW({ AsyncChunkSource base(source, nullptr); }, InputError);
}

// What request() adds on the control thread: copying two 224x224 frames (printed; bounded loosely so a
// loaded machine does not fail it).
TEST(AsyncChunkSource, CopyingTwo224FramesPerRequestIsCheap) {
  class TwoCameras : public SeeingSource {
   public:
    std::vector<std::string> camera_names() const override { return {"front", "wrist"}; }
  } source;
  FrameStore store({"front", "wrist"});
  const std::vector<uint8_t> rgb = image_pattern(224 * 224 * 3, 1);
  store.publish("front", 224, 224, rgb, 1.0);
  store.publish("wrist", 224, 224, rgb, 1.0);
  AsyncChunkSource base(source, &store);
  std::vector<Action> chunk(4);
  const char* error = "";
  double best_us = 1e9;
  for (int i = 0; i < 20; ++i) {
    Observation obs;
    obs.t = i;
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_TRUE(base.request(obs));
    best_us = std::min(best_us, std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    ASSERT_EQ(base.wait(chunk, error, std::chrono::steady_clock::now() + std::chrono::seconds(10)), AsyncChunkSource::Poll::kReady);
  }
  std::printf("request() with 2 x 224x224x3 frames: best %.1f us\n", best_us);
  EXPECT_LT(best_us, 5000.0);
}

}  // namespace
}  // namespace ocres::deploy
