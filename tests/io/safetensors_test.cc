#include "io/safetensors.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/atomic_file.h"
#include "core/error.h"
#include "core/rng.h"

namespace ocres::io {
namespace {

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("ocres_test_" + std::to_string(::getpid()) + "_" + name)).string();
}

TensorFile example() {
  TensorFile f;
  f.tensors["layers.0.weight"] = {{2, 3}, {1, 2, 3, 4, 5, 6}};
  f.tensors["layers.0.bias"] = {{2}, {0.5f, -0.25f}};
  f.metadata["task"] = "lift";
  return f;
}

TEST(Safetensors, RoundTripsBitExactly) {
  const std::string path = temp_path("rt.safetensors");
  save_safetensors(path, example());
  const TensorFile g = load_safetensors(path);
  EXPECT_EQ(g.tensors.at("layers.0.weight").values, example().tensors.at("layers.0.weight").values);
  EXPECT_EQ(g.tensors.at("layers.0.weight").shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(g.metadata.at("task"), "lift");
  std::remove(path.c_str());
}

TEST(Safetensors, AnIndependentPythonReaderParsesOurFiles) {
  if (std::system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0) GTEST_SKIP() << "no numpy";
  const std::string path = temp_path("py.safetensors");
  save_safetensors(path, example());
  // The format by hand, as the safetensors package reads it.
  const std::string script = temp_path("check.py");
  std::ofstream(script) << "import json, struct, sys, numpy as np\n"
                           "b = open(sys.argv[1], 'rb').read()\n"
                           "n = struct.unpack('<Q', b[:8])[0]\n"
                           "h = json.loads(b[8:8+n])\n"
                           "w = h['layers.0.weight']\n"
                           "s, e = w['data_offsets']\n"
                           "a = np.frombuffer(b[8+n+s:8+n+e], dtype='<f4').reshape(w['shape'])\n"
                           "assert w['dtype'] == 'F32' and a[1, 2] == 6.0 and a[0, 1] == 2.0, a\n"
                           "assert h['__metadata__']['task'] == 'lift'\n";
  EXPECT_EQ(std::system(("/usr/bin/python3 " + script + " " + path).c_str()), 0);
  std::remove(path.c_str());
  std::remove(script.c_str());
}

TEST(Safetensors, TruncatedOrCorruptFilesAreRefusedWithClearErrors) {
  const std::string path = temp_path("bad.safetensors");
  save_safetensors(path, example());
  const std::string bytes = read_file(path);
  for (size_t cut : {size_t{0}, size_t{4}, size_t{20}, bytes.size() - 3}) {
    try {
      parse_safetensors(bytes.substr(0, cut), "x.safetensors");
      FAIL() << "accepted a file truncated to " << cut << " bytes";
    } catch (const InputError& e) {
      EXPECT_NE(std::string(e.what()).find("x.safetensors"), std::string::npos);
    }
  }
  std::string corrupt = bytes;
  corrupt[10] = '!';
  EXPECT_THROW(parse_safetensors(corrupt, "c"), InputError);
  EXPECT_THROW(load_safetensors(temp_path("missing")), InputError);
  // Random garbage never crashes.
  Rng rng(1);
  for (int i = 0; i < 2000; ++i) {
    std::string g = bytes;
    for (int k = 0; k < 4; ++k) g[rng.uniform_int(g.size())] = static_cast<char>(rng.next_u64());
    try {
      parse_safetensors(g.substr(0, rng.uniform_int(g.size() + 1)), "fuzz");
    } catch (const InputError&) {
    }
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace ocres::io
