// Cost of the remote base-policy wire formats per control-loop call (SPEC §9), and optionally the
// round-trip time to a running server.
//
//   wire_bench                          codec timings only
//   wire_bench --openpi PORT [N]        + N infer() round trips to an openpi server on 127.0.0.1:PORT
//   wire_bench --gr00t PORT [N]         + N get_action() round trips to a GR00T server on 127.0.0.1:PORT
//
// The message is a DROID observation: two uint8 224x224x3 images, 7 joint positions, 1 gripper
// position and a prompt (~301 kB); the reply a float32 (15, 8) action chunk with timing maps. The GR00T
// round trip sends the same content in N1.5's flat keys (video.*, state.*, annotation.*).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>

#include "io/gr00t_client.h"
#include "io/msgpack_value.h"
#include "io/npy.h"
#include "io/openpi_client.h"

using namespace ocres::wire;
using Clock = std::chrono::steady_clock;

namespace {

Map droid_observation() {
  Bytes image(224 * 224 * 3);
  for (std::size_t i = 0; i < image.size(); ++i) image[i] = static_cast<std::uint8_t>(i * 31);
  return Map{{"observation/exterior_image_1_left", NdArray(DType::kUInt8, {224, 224, 3}, image)},
             {"observation/wrist_image_left", NdArray(DType::kUInt8, {224, 224, 3}, image)},
             {"observation/joint_position", NdArray::from_values<float>({7}, std::vector<float>(7, 0.1f))},
             {"observation/gripper_position", NdArray::from_values<float>({1}, std::vector<float>{0.0f})},
             {"prompt", "put the marker in the cup"}};
}

// The same content in GR00T N1.5's flat layout.
Map gr00t_observation() {
  const Map droid = droid_observation();
  const NdArray& image = droid.find("observation/exterior_image_1_left")->get<NdArray>();
  return Map{{"video.exterior", NdArray(DType::kUInt8, {1, 224, 224, 3}, image.data())},
             {"video.wrist", NdArray(DType::kUInt8, {1, 224, 224, 3}, image.data())},
             {"state.single_arm", NdArray::from_values<float>({1, 7}, std::vector<float>(7, 0.1f))},
             {"state.gripper", NdArray::from_values<float>({1, 1}, std::vector<float>{0.0f})},
             {"annotation.human.task_description", Array{"put the marker in the cup"}}};
}

// Mean microseconds per call over enough repetitions to take ~0.3 s.
double time_us(const std::function<void()>& call) {
  call();  // warm-up
  int reps = 0;
  const Clock::time_point start = Clock::now();
  while (Clock::now() - start < std::chrono::milliseconds(300) || reps < 5) {
    call();
    ++reps;
  }
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count() / reps;
}

void row(const char* what, std::size_t bytes, double us) {
  std::printf("%-40s %10zu %12.1f %10.0f\n", what, bytes, us, bytes / us);
}

}  // namespace

int main(int argc, char** argv) {
  const Map observation = droid_observation();
  const Map reply{{"actions", NdArray::from_values<float>({15, 8}, std::vector<float>(120, 0.5f))},
                  {"server_timing", Map{{"infer_ms", 80.5}}},
                  {"policy_timing", Map{{"infer_ms", 75.25}}}};
  std::printf("%-40s %10s %12s %10s\n", "operation", "bytes", "us/op", "MB/s");
  for (ArrayStyle style : {ArrayStyle::kOpenpi, ArrayStyle::kGr00t}) {
    const char* name = style == ArrayStyle::kOpenpi ? "openpi" : "gr00t";
    Bytes buffer;
    const double encode_us = time_us([&] {
      buffer.clear();
      encode_to(observation, style, buffer);
    });
    row((std::string("encode DROID observation (") + name + ")").c_str(), buffer.size(), encode_us);
    row((std::string("decode DROID observation (") + name + ")").c_str(), buffer.size(),
        time_us([&] { (void)decode(buffer).ok(); }));
    const Bytes reply_bytes = encode(Value(reply), style);
    row((std::string("decode (15,8) action reply (") + name + ")").c_str(), reply_bytes.size(),
        time_us([&] { (void)decode(reply_bytes).ok(); }));
  }
  const NdArray image = observation.find("observation/exterior_image_1_left")->get<NdArray>();
  const Bytes npy = encode_npy(image);
  row("encode_npy uint8 224x224x3", npy.size(), time_us([&] { (void)encode_npy(image).size(); }));
  row("decode_npy uint8 224x224x3", npy.size(), time_us([&] { (void)decode_npy(npy).ok(); }));

  if (argc >= 3) {
    const bool openpi = std::strcmp(argv[1], "--openpi") == 0;
    const int port = std::atoi(argv[2]);
    const int n = argc >= 4 ? std::atoi(argv[3]) : 50;
    std::function<RemoteResult()> call;
    OpenpiClientConfig openpi_config;
    openpi_config.port = port;
    Gr00tClientConfig gr00t_config;
    gr00t_config.port = port;
    std::unique_ptr<OpenpiClient> openpi_client;
    std::unique_ptr<Gr00tClient> gr00t_client;
    if (openpi) {
      openpi_client = std::make_unique<OpenpiClient>(openpi_config);
      call = [&] { return openpi_client->infer(observation); };
    } else {
      gr00t_client = std::make_unique<Gr00tClient>(gr00t_config);
      call = [&, gr00t_obs = gr00t_observation()] { return gr00t_client->get_action(gr00t_obs); };
    }
    double total_ms = 0, worst_ms = 0;
    for (int i = 0; i < n; ++i) {
      const Clock::time_point start = Clock::now();
      const RemoteResult result = call();
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      if (!result.ok()) {
        std::printf("call %d failed: %s: %s\n", i, std::string(to_string(result.status)).c_str(), result.error.c_str());
        return 1;
      }
      if (i > 0) {  // the first includes connecting
        total_ms += ms;
        worst_ms = std::max(worst_ms, ms);
      }
    }
    std::printf("%s round trip on 127.0.0.1:%d: mean %.2f ms, worst %.2f ms over %d calls\n", argv[1], port,
                total_ms / std::max(1, n - 1), worst_ms, n - 1);
  }
  return 0;
}
