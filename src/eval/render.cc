#include "eval/render.h"

#include <EGL/egl.h>
#include <EGL/eglext.h>

#include <cstring>
#include <stdexcept>

#include "core/error.h"

namespace ocres::eval {

Renderer::Renderer(const mjModel* m, int width, int height) : m_(m), width_(width), height_(height) {
  if (width <= 0 || height <= 0 || width > m->vis.global.offwidth || height > m->vis.global.offheight)
    throw InputError("render size " + std::to_string(width) + "x" + std::to_string(height) + " must be within the model's " +
                     std::to_string(m->vis.global.offwidth) + "x" + std::to_string(m->vis.global.offheight));
  // Mesa's surfaceless platform: an OpenGL context without any window system.
  auto get_platform_display = reinterpret_cast<PFNEGLGETPLATFORMDISPLAYEXTPROC>(eglGetProcAddress("eglGetPlatformDisplayEXT"));
  EGLDisplay dpy = get_platform_display ? get_platform_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, nullptr)
                                        : eglGetDisplay(EGL_DEFAULT_DISPLAY);
  EGLint major = 0, minor = 0;
  if (dpy == EGL_NO_DISPLAY || !eglInitialize(dpy, &major, &minor))
    throw std::runtime_error("cannot initialise EGL for headless rendering (is libegl-mesa0 installed?)");
  const EGLint attribs[] = {EGL_SURFACE_TYPE, EGL_PBUFFER_BIT, EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_RED_SIZE, 8,
                            EGL_GREEN_SIZE,   8,               EGL_BLUE_SIZE,       8,              EGL_DEPTH_SIZE, 24,
                            EGL_NONE};
  EGLConfig config;
  EGLint n = 0;
  if (!eglChooseConfig(dpy, attribs, &config, 1, &n) || n < 1) throw std::runtime_error("no suitable EGL configuration");
  eglBindAPI(EGL_OPENGL_API);
  EGLContext ctx = eglCreateContext(dpy, config, EGL_NO_CONTEXT, nullptr);
  if (ctx == EGL_NO_CONTEXT) throw std::runtime_error("cannot create an OpenGL context through EGL");
  if (!eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx)) throw std::runtime_error("cannot make the EGL context current");
  display_ = dpy;
  context_ = ctx;
  mjv_defaultScene(&scene_);
  mjv_makeScene(m_, &scene_, 2000);
  mjr_defaultContext(&con_);
  mjr_makeContext(m_, &con_, mjFONTSCALE_100);
  mjr_setBuffer(mjFB_OFFSCREEN, &con_);
  mjv_defaultOption(&opt_);
  rgb_.resize(static_cast<size_t>(width) * height * 3);
  flipped_.resize(rgb_.size());
}

Renderer::~Renderer() {
  eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, context_);
  mjr_freeContext(&con_);
  mjv_freeScene(&scene_);
  eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  eglDestroyContext(display_, context_);
  eglTerminate(display_);
}

const std::vector<unsigned char>& Renderer::render(mjData* d, const std::string& camera) {
  eglMakeCurrent(display_, EGL_NO_SURFACE, EGL_NO_SURFACE, context_);
  mjvCamera cam;
  mjv_defaultCamera(&cam);
  cam.type = mjCAMERA_FIXED;
  cam.fixedcamid = mj_name2id(m_, mjOBJ_CAMERA, camera.c_str());
  if (cam.fixedcamid < 0) throw InputError("the scene has no camera named '" + camera + "' (try front or side)");
  // No mj_forward here: it would recompute quantities the env relies on (bias forces) and change the
  // rollout. Body poses after mj_step are those of the start of the last 2 ms substep.
  mjv_updateScene(m_, d, &opt_, nullptr, &cam, mjCAT_ALL, &scene_);
  const mjrRect viewport{0, 0, width_, height_};
  mjr_render(viewport, &scene_, &con_);
  mjr_readPixels(flipped_.data(), nullptr, viewport, &con_);
  // OpenGL rows are bottom-up.
  const size_t row = static_cast<size_t>(width_) * 3;
  for (int r = 0; r < height_; ++r) std::memcpy(rgb_.data() + r * row, flipped_.data() + (height_ - 1 - r) * row, row);
  return rgb_;
}

namespace {
bool ffmpeg_has_libx264() {
  FILE* p = popen("ffmpeg -hide_banner -encoders 2>/dev/null | grep -q libx264 && echo yes", "r");
  if (!p) return false;
  char buf[8] = {0};
  const bool yes = std::fgets(buf, sizeof(buf), p) != nullptr && std::strncmp(buf, "yes", 3) == 0;
  pclose(p);
  return yes;
}
std::string quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}
}  // namespace

VideoWriter::VideoWriter(const std::string& path, int width, int height, int fps) : path_(path), width_(width), height_(height) {
  const std::string codec = ffmpeg_has_libx264() ? "-c:v libx264 -pix_fmt yuv420p -crf 23" : "-c:v mpeg4 -q:v 4";
  const std::string cmd = "ffmpeg -loglevel error -y -f rawvideo -pix_fmt rgb24 -s " + std::to_string(width) + "x" +
                          std::to_string(height) + " -r " + std::to_string(fps) + " -i - " + codec + " " + quote(path);
  pipe_ = popen(cmd.c_str(), "w");
  if (!pipe_) throw InputError("cannot start ffmpeg (is it installed?) to write '" + path + "'");
}

VideoWriter::~VideoWriter() {
  if (pipe_) pclose(pipe_);
}

void VideoWriter::add_frame(const std::vector<unsigned char>& rgb) {
  OCRES_CHECK(rgb.size() == static_cast<size_t>(width_) * height_ * 3, "frame size mismatch");
  if (std::fwrite(rgb.data(), 1, rgb.size(), pipe_) != rgb.size()) throw InputError("ffmpeg stopped accepting frames for '" + path_ + "'");
}

void VideoWriter::close() {
  if (!pipe_) return;
  const int status = pclose(pipe_);
  pipe_ = nullptr;
  if (status != 0) throw InputError("ffmpeg failed to write '" + path_ + "'");
}

void write_png(const std::string& path, const std::vector<unsigned char>& rgb, int width, int height) {
  const std::string cmd = "ffmpeg -loglevel error -y -f rawvideo -pix_fmt rgb24 -s " + std::to_string(width) + "x" +
                          std::to_string(height) + " -i - -frames:v 1 " + quote(path);
  FILE* p = popen(cmd.c_str(), "w");
  if (!p) throw InputError("cannot start ffmpeg to write '" + path + "'");
  std::fwrite(rgb.data(), 1, rgb.size(), p);
  if (pclose(p) != 0) throw InputError("ffmpeg failed to write '" + path + "'");
}

std::vector<unsigned char> side_by_side(const std::vector<unsigned char>& left, const std::vector<unsigned char>& right,
                                        int width, int height) {
  std::vector<unsigned char> out(static_cast<size_t>(width) * 2 * height * 3);
  const size_t row = static_cast<size_t>(width) * 3;
  for (int r = 0; r < height; ++r) {
    std::memcpy(out.data() + r * 2 * row, left.data() + r * row, row);
    std::memcpy(out.data() + r * 2 * row + row, right.data() + r * row, row);
  }
  return out;
}

}  // namespace ocres::eval
