#pragma once
// Headless rendering of simulation frames (EGL, Mesa's surfaceless platform; no X server) and videos
// (raw RGB frames piped into ffmpeg). One Renderer owns one EGL context; use it from one thread.
#include <mujoco/mujoco.h>

#include <cstdio>
#include <string>
#include <vector>

namespace ocres::eval {

class Renderer {
 public:
  // Throws std::runtime_error if no EGL/OpenGL context can be created.
  Renderer(const mjModel* m, int width, int height);
  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  // RGB, row-major, top row first. `camera` names a camera of the model ("front", "side").
  const std::vector<unsigned char>& render(mjData* d, const std::string& camera);
  int width() const { return width_; }
  int height() const { return height_; }

 private:
  const mjModel* m_;
  int width_, height_;
  void* display_ = nullptr;
  void* context_ = nullptr;
  mjvScene scene_;
  mjrContext con_;
  mjvOption opt_;
  std::vector<unsigned char> flipped_, rgb_;
};

// Writes an mp4 (H.264 if ffmpeg has libx264, else MPEG-4 part 2) at `fps` from RGB frames.
class VideoWriter {
 public:
  // Throws InputError if ffmpeg cannot be started.
  VideoWriter(const std::string& path, int width, int height, int fps = 20);
  ~VideoWriter();
  void add_frame(const std::vector<unsigned char>& rgb);
  // Finishes the file; throws InputError if ffmpeg failed.
  void close();

 private:
  std::string path_;
  int width_, height_;
  FILE* pipe_ = nullptr;
};

// Saves one RGB frame as PNG (through ffmpeg).
void write_png(const std::string& path, const std::vector<unsigned char>& rgb, int width, int height);

// Places two equally sized frames side by side.
std::vector<unsigned char> side_by_side(const std::vector<unsigned char>& left, const std::vector<unsigned char>& right,
                                        int width, int height);

}  // namespace ocres::eval
