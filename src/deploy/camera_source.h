#pragma once
// Camera frames for remote VLA base policies (pi0.5, GR00T look at the scene; our residual never does).
// The deployment runtime owns no camera driver: frames arrive from whoever has the cameras -- the robot
// bridge's state messages (bridge_protocol.h "images"), or a simulator rendering them -- and are kept
// here, the latest one per named camera.
//
// Threads: a producer (the control thread, inside the robot client) publishes; the chunk request side
// (AsyncChunkSource::request, also the control thread) copies the frames that belong to the observation
// it is about to send to the worker. Both calls take the store's mutex, so a reader never sees a frame
// half written. Allocation-free after warm-up: a frame buffer grows to the largest frame once and is
// reused (std::vector::assign within capacity).
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ocres::deploy {

// One RGB frame, uint8, row-major H x W x 3 (top row first), as numpy's (H, W, 3) C order.
struct CameraFrame {
  int height_px = 0, width_px = 0;  // 0 x 0: no frame yet
  double stamp_s = -1;              // the robot clock of the state the frame belongs to (-1: none)
  std::vector<uint8_t> rgb;         // height_px * width_px * 3 bytes
  bool present() const { return height_px > 0 && width_px > 0; }
};

// Largest frame a producer may publish (per side); bigger ones are refused (a bridge bug or an attack,
// not a camera: 4096^2 x 3 is already 48 MiB).
inline constexpr int kMaxCameraSide_px = 4096;

// Latest frame per named camera.
class CameraSource {
 public:
  virtual ~CameraSource() = default;
  // The index of camera `name`, or -1 if this source does not provide it. Setup time only (a string
  // lookup); per request use the index.
  virtual int find(std::string_view name) const = 0;
  // Copies the latest frame of camera `index` into `out` (reusing its buffer); false, with `out`
  // marked absent, if the camera has delivered no frame yet.
  virtual bool latest(int index, CameraFrame& out) const = 0;
};

// A CameraSource that producers publish into. The camera names are fixed at construction (the ones a
// base policy asks for): frames of other cameras are ignored, so a bridge sending more costs nothing.
class FrameStore : public CameraSource {
 public:
  explicit FrameStore(std::vector<std::string> names);
  const std::vector<std::string>& names() const { return names_; }
  int find(std::string_view name) const override;
  bool latest(int index, CameraFrame& out) const override;
  // Stores a copy of `rgb` (height_px * width_px * 3 bytes) as camera `name`'s latest frame. Returns
  // false (nothing stored) for a camera not in names() or a size that does not match.
  bool publish(std::string_view name, int height_px, int width_px, std::span<const uint8_t> rgb, double stamp_s);
  // Forgets every frame (e.g. a new episode: an old frame must not answer for the new scene).
  void clear();

 private:
  std::vector<std::string> names_;
  mutable std::mutex mutex_;
  std::vector<CameraFrame> frames_;
};

// Copies `in` into `out` resampled to height_px x width_px with nearest-neighbour sampling (no
// filtering: cheap, exact when the size already matches, and what a test pattern can check).
// Allocation-free once `out` has the capacity.
void resize_nearest(const CameraFrame& in, int height_px, int width_px, CameraFrame& out);

}  // namespace ocres::deploy
