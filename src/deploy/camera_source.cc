#include "deploy/camera_source.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"

namespace ocres::deploy {

FrameStore::FrameStore(std::vector<std::string> names) : names_(std::move(names)), frames_(names_.size()) {}

int FrameStore::find(std::string_view name) const {
  for (size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return static_cast<int>(i);
  return -1;
}

bool FrameStore::latest(int index, CameraFrame& out) const {
  OCRES_CHECK(index >= 0 && index < static_cast<int>(frames_.size()), "FrameStore::latest: camera index out of range");
  std::lock_guard lock(mutex_);
  const CameraFrame& f = frames_[static_cast<size_t>(index)];
  out.height_px = f.height_px;
  out.width_px = f.width_px;
  out.stamp_s = f.stamp_s;
  out.rgb.assign(f.rgb.begin(), f.rgb.end());
  return f.present();
}

bool FrameStore::publish(std::string_view name, int height_px, int width_px, std::span<const uint8_t> rgb, double stamp_s) {
  const int index = find(name);
  if (index < 0) return false;
  if (height_px < 1 || width_px < 1 || height_px > kMaxCameraSide_px || width_px > kMaxCameraSide_px) return false;
  if (rgb.size() != static_cast<size_t>(height_px) * static_cast<size_t>(width_px) * 3) return false;
  std::lock_guard lock(mutex_);
  CameraFrame& f = frames_[static_cast<size_t>(index)];
  f.height_px = height_px;
  f.width_px = width_px;
  f.stamp_s = stamp_s;
  f.rgb.assign(rgb.begin(), rgb.end());
  return true;
}

void FrameStore::clear() {
  std::lock_guard lock(mutex_);
  for (CameraFrame& f : frames_) {
    f.height_px = f.width_px = 0;
    f.stamp_s = -1;
    f.rgb.clear();  // keeps the capacity
  }
}

void resize_nearest(const CameraFrame& in, int height_px, int width_px, CameraFrame& out) {
  out.stamp_s = in.stamp_s;
  if (!in.present()) {
    out.height_px = out.width_px = 0;
    out.rgb.clear();
    return;
  }
  out.height_px = height_px;
  out.width_px = width_px;
  out.rgb.resize(static_cast<size_t>(height_px) * static_cast<size_t>(width_px) * 3);
  for (int r = 0; r < height_px; ++r) {
    // The source pixel whose centre is nearest the destination pixel's centre.
    const int sr = std::min(in.height_px - 1, static_cast<int>((static_cast<int64_t>(2 * r + 1) * in.height_px) / (2 * height_px)));
    const uint8_t* src_row = in.rgb.data() + static_cast<size_t>(sr) * static_cast<size_t>(in.width_px) * 3;
    uint8_t* dst = out.rgb.data() + static_cast<size_t>(r) * static_cast<size_t>(width_px) * 3;
    for (int c = 0; c < width_px; ++c) {
      const int sc = std::min(in.width_px - 1, static_cast<int>((static_cast<int64_t>(2 * c + 1) * in.width_px) / (2 * width_px)));
      std::memcpy(dst + 3 * c, src_row + 3 * sc, 3);
    }
  }
}

}  // namespace ocres::deploy
