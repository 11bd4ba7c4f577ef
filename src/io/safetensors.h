#pragma once
// safetensors files (the format PyTorch users load with `safetensors.torch.load_file`):
//   8-byte little-endian header length N, N bytes of JSON {name: {"dtype", "shape", "data_offsets"},
//   "__metadata__": {str: str}}, then the raw little-endian tensor bytes.
// We write F32 (and read F32/F64, converting to float). Writes are atomic; reads validate everything
// and throw InputError naming the file and the problem.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ocres::io {

struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> values;  // row-major (C order), as PyTorch expects
};

struct TensorFile {
  std::map<std::string, Tensor> tensors;
  std::map<std::string, std::string> metadata;
};

void save_safetensors(const std::string& path, const TensorFile& file);
TensorFile load_safetensors(const std::string& path);
// Parses from memory; `name` is used in error messages.
TensorFile parse_safetensors(const std::string& bytes, const std::string& name);

}  // namespace ocres::io
