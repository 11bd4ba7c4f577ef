#include "eval/render.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <stdexcept>
#include <filesystem>

#include "core/error.h"
#include "sim/domain.h"
#include "tasks/registry.h"

namespace ocres::eval {
namespace {

double variance(const std::vector<unsigned char>& v) {
  double s = 0, s2 = 0;
  for (unsigned char c : v) {
    s += c;
    s2 += static_cast<double>(c) * c;
  }
  const double m = s / v.size();
  return s2 / v.size() - m * m;
}

TEST(Render, FramesShowTheSceneAndCamerasDiffer) {
  const sim::DomainConfig domain = sim::load_domain("sim");
  auto env = tasks::make_env(tasks::compile_task("lift", domain), domain);
  env->reset(1);
  std::unique_ptr<Renderer> r;
  try {
    r = std::make_unique<Renderer>(env->model(), 160, 120);
  } catch (const std::runtime_error& e) {
    GTEST_SKIP() << "no headless OpenGL here: " << e.what();
  }
  const std::vector<unsigned char> side = r->render(env->mutable_data(), "side");
  const std::vector<unsigned char> front = r->render(env->mutable_data(), "front");
  ASSERT_EQ(side.size(), 160u * 120u * 3u);
  EXPECT_GT(variance(side), 100.0);  // not a blank frame
  EXPECT_NE(side, front);
  EXPECT_THROW(r->render(env->mutable_data(), "ceiling"), InputError);
}

TEST(Render, VideoWriterProducesAnMp4) {
  const std::string path = "/tmp/ocres_render_test.mp4";
  {
    VideoWriter v(path, 64, 48, 20);
    std::vector<unsigned char> frame(64 * 48 * 3);
    for (int k = 0; k < 10; ++k) {
      for (size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<unsigned char>(i * 7 + k * 13);
      v.add_frame(frame);
    }
    v.close();
  }
  ASSERT_TRUE(std::filesystem::exists(path));
  EXPECT_GT(std::filesystem::file_size(path), 100u);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace ocres::eval
