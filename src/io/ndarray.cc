#include "io/ndarray.h"

#include <bit>
#include <cmath>
#include <limits>

namespace ocres::wire {

static_assert(std::endian::native == std::endian::little,
              "ocres wire codecs copy little-endian array bytes without swapping");

namespace {

struct DTypeInfo {
  DType dtype;
  std::size_t itemsize;
  std::string_view descr;  // numpy's dtype.str
  std::string_view name;   // numpy's dtype.name
};

// Indexed by the DType enumerator.
constexpr DTypeInfo kDTypes[] = {
    {DType::kBool, 1, "|b1", "bool"},       {DType::kUInt8, 1, "|u1", "uint8"},
    {DType::kInt8, 1, "|i1", "int8"},       {DType::kUInt16, 2, "<u2", "uint16"},
    {DType::kInt16, 2, "<i2", "int16"},     {DType::kUInt32, 4, "<u4", "uint32"},
    {DType::kInt32, 4, "<i4", "int32"},     {DType::kUInt64, 8, "<u8", "uint64"},
    {DType::kInt64, 8, "<i8", "int64"},     {DType::kFloat16, 2, "<f2", "float16"},
    {DType::kFloat32, 4, "<f4", "float32"}, {DType::kFloat64, 8, "<f8", "float64"},
};

const DTypeInfo& info(DType dtype) {
  const auto index = static_cast<std::size_t>(dtype);
  OCRES_CHECK(index < std::size(kDTypes) && kDTypes[index].dtype == dtype, "invalid DType");
  return kDTypes[index];
}

// IEEE 754 binary16 -> binary32, including subnormals, infinities and NaN.
float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu;
  const std::uint32_t mantissa = h & 0x3ffu;
  std::uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) return std::bit_cast<float>(sign);
    // Subnormal: value = mantissa * 2^-24.
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 31) {
    bits = sign | 0x7f800000u | (mantissa << 13);
  } else {
    bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
  }
  return std::bit_cast<float>(bits);
}

template <typename T>
void convert(const Bytes& data, std::vector<double>& out) {
  for (std::size_t i = 0; i < out.size(); ++i) {
    T v;
    std::memcpy(&v, data.data() + i * sizeof(T), sizeof(T));
    out[i] = static_cast<double>(v);
  }
}

}  // namespace

std::size_t dtype_itemsize(DType dtype) { return info(dtype).itemsize; }
std::string_view dtype_descr(DType dtype) { return info(dtype).descr; }

std::optional<DType> dtype_from_descr(std::string_view descr) {
  if (descr.size() < 3) return std::nullopt;
  for (const DTypeInfo& candidate : kDTypes) {
    if (descr.substr(1) != candidate.descr.substr(1)) continue;
    const char order = descr[0];
    // numpy writes '|' (not applicable) for one-byte types and '<' for little-endian ones; '<' on a
    // one-byte type is equally unambiguous.
    if (order == '<' || (order == '|' && candidate.itemsize == 1)) return candidate.dtype;
    return std::nullopt;
  }
  return std::nullopt;
}

std::string check_array_layout(DType dtype, std::span<const std::int64_t> shape, std::size_t data_bytes) {
  if (shape.size() > static_cast<std::size_t>(kMaxNdim)) {
    return "array has " + std::to_string(shape.size()) + " dimensions, more than " + std::to_string(kMaxNdim);
  }
  std::uint64_t count = 1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0) return "array dimension " + std::to_string(i) + " is negative (" + std::to_string(shape[i]) + ")";
    if (__builtin_mul_overflow(count, static_cast<std::uint64_t>(shape[i]), &count)) {
      return "array shape overflows a 64-bit element count";
    }
  }
  std::uint64_t bytes = 0;
  if (__builtin_mul_overflow(count, static_cast<std::uint64_t>(dtype_itemsize(dtype)), &bytes)) {
    return "array shape overflows a 64-bit byte count";
  }
  if (bytes != data_bytes) {
    return "array shape needs " + std::to_string(bytes) + " bytes of " + std::string(info(dtype).name) +
           " but the data has " + std::to_string(data_bytes);
  }
  return {};
}

NdArray::NdArray(DType dtype, std::vector<std::int64_t> shape, Bytes data) {
  if (const std::string problem = check_array_layout(dtype, shape, data.size()); !problem.empty()) {
    throw InputError("NdArray: " + problem);
  }
  dtype_ = dtype;
  shape_ = std::move(shape);
  data_ = std::move(data);
}

Result<NdArray> NdArray::create(DType dtype, std::vector<std::int64_t> shape, Bytes data) {
  if (std::string problem = check_array_layout(dtype, shape, data.size()); !problem.empty()) {
    return Result<NdArray>::failure(std::move(problem));
  }
  return Result<NdArray>::success(NdArray(Unchecked{}, dtype, std::move(shape), std::move(data)));
}

std::vector<double> NdArray::to_f64() const {
  std::vector<double> out(static_cast<std::size_t>(size()));
  switch (dtype_) {
    case DType::kBool:
      for (std::size_t i = 0; i < out.size(); ++i) out[i] = data_[i] != 0 ? 1.0 : 0.0;
      break;
    case DType::kUInt8:
      convert<std::uint8_t>(data_, out);
      break;
    case DType::kInt8:
      convert<std::int8_t>(data_, out);
      break;
    case DType::kUInt16:
      convert<std::uint16_t>(data_, out);
      break;
    case DType::kInt16:
      convert<std::int16_t>(data_, out);
      break;
    case DType::kUInt32:
      convert<std::uint32_t>(data_, out);
      break;
    case DType::kInt32:
      convert<std::int32_t>(data_, out);
      break;
    case DType::kUInt64:
      convert<std::uint64_t>(data_, out);
      break;
    case DType::kInt64:
      convert<std::int64_t>(data_, out);
      break;
    case DType::kFloat16:
      for (std::size_t i = 0; i < out.size(); ++i) {
        std::uint16_t h;
        std::memcpy(&h, data_.data() + 2 * i, 2);
        out[i] = half_to_float(h);
      }
      break;
    case DType::kFloat32:
      convert<float>(data_, out);
      break;
    case DType::kFloat64:
      convert<double>(data_, out);
      break;
  }
  return out;
}

std::string describe(const NdArray& array) {
  std::string out(info(array.dtype()).name);
  out += '[';
  for (int i = 0; i < array.ndim(); ++i) {
    if (i > 0) out += ',';
    out += std::to_string(array.shape()[static_cast<std::size_t>(i)]);
  }
  out += ']';
  return out;
}

}  // namespace ocres::wire
