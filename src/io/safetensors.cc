#include "io/safetensors.h"

#include <nlohmann/json.hpp>

#include <cstring>

#include "core/atomic_file.h"
#include "core/error.h"

namespace ocres::io {

namespace {
static_assert(sizeof(float) == 4 && sizeof(double) == 8, "IEEE floats expected");
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors I/O assumes a little-endian host"
#endif
}  // namespace

void save_safetensors(const std::string& path, const TensorFile& file) {
  nlohmann::json header = nlohmann::json::object();
  size_t offset = 0;
  for (const auto& [name, t] : file.tensors) {
    int64_t count = 1;
    for (int64_t d : t.shape) count *= d;
    OCRES_CHECK(count == static_cast<int64_t>(t.values.size()), "tensor '" + name + "' shape does not match its data");
    const size_t bytes = t.values.size() * sizeof(float);
    header[name] = {{"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  if (!file.metadata.empty()) header["__metadata__"] = file.metadata;
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');  // align the data section to 8 bytes
  std::string out;
  out.reserve(8 + json.size() + offset);
  const uint64_t n = json.size();
  out.append(reinterpret_cast<const char*>(&n), 8);
  out += json;
  for (const auto& [name, t] : file.tensors) out.append(reinterpret_cast<const char*>(t.values.data()), t.values.size() * sizeof(float));
  write_file_atomic(path, out);
}

TensorFile parse_safetensors(const std::string& bytes, const std::string& name) {
  auto fail = [&](const std::string& what) { return InputError("'" + name + "' is not a valid safetensors file: " + what); };
  if (bytes.size() < 8) throw fail("shorter than its 8-byte header length");
  uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  if (n > bytes.size() - 8) throw fail("header length " + std::to_string(n) + " exceeds the file size (truncated?)");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  } catch (const nlohmann::json::exception& e) {
    throw fail(std::string("malformed JSON header: ") + e.what());
  }
  if (!header.is_object()) throw fail("header is not a JSON object");
  const size_t data_size = bytes.size() - 8 - n;
  const char* data = bytes.data() + 8 + n;
  TensorFile out;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") {
      if (!it.value().is_object()) throw fail("__metadata__ is not an object");
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        if (!m.value().is_string()) throw fail("metadata value '" + m.key() + "' is not a string");
        out.metadata[m.key()] = m.value().get<std::string>();
      }
      continue;
    }
    const auto& t = it.value();
    if (!t.is_object() || !t.contains("dtype") || !t.contains("shape") || !t.contains("data_offsets"))
      throw fail("tensor '" + it.key() + "' lacks dtype/shape/data_offsets");
    if (!t["dtype"].is_string() || !t["shape"].is_array() || !t["data_offsets"].is_array() || t["data_offsets"].size() != 2)
      throw fail("tensor '" + it.key() + "' has malformed fields");
    const std::string dtype = t["dtype"].get<std::string>();
    const size_t elem = dtype == "F32" ? 4 : dtype == "F64" ? 8 : 0;
    if (elem == 0) throw fail("tensor '" + it.key() + "' has unsupported dtype " + dtype);
    Tensor tensor;
    uint64_t count = 1;
    for (const auto& d : t["shape"]) {
      if (!d.is_number_integer() || d.get<int64_t>() < 0) throw fail("tensor '" + it.key() + "' has a bad shape");
      const uint64_t dim = d.get<uint64_t>();
      if (dim != 0 && count > (uint64_t{1} << 40) / dim) throw fail("tensor '" + it.key() + "' is absurdly large");
      count *= dim;
      tensor.shape.push_back(static_cast<int64_t>(dim));
    }
    const auto& off = t["data_offsets"];
    if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned()) throw fail("tensor '" + it.key() + "' has bad offsets");
    const uint64_t b = off[0].get<uint64_t>(), e = off[1].get<uint64_t>();
    if (b > e || e > data_size) throw fail("tensor '" + it.key() + "' data lies outside the file (truncated?)");
    if (e - b != count * elem) throw fail("tensor '" + it.key() + "' byte range does not match its shape");
    tensor.values.resize(count);
    if (elem == 4) {
      std::memcpy(tensor.values.data(), data + b, count * 4);
    } else {
      for (uint64_t i = 0; i < count; ++i) {
        double v;
        std::memcpy(&v, data + b + 8 * i, 8);
        tensor.values[i] = static_cast<float>(v);
      }
    }
    out.tensors[it.key()] = std::move(tensor);
  }
  return out;
}

TensorFile load_safetensors(const std::string& path) { return parse_safetensors(read_file(path), path); }

}  // namespace ocres::io
