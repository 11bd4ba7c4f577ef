#pragma once
// A typed n-dimensional array as it crosses the wire to a policy server: numpy dtype, C-order shape and
// the raw little-endian bytes. Both remote-policy conventions carry exactly this (SPEC §9): openpi's
// msgpack-numpy map (msgpack_value.h) and GR00T's embedded .npy file (npy.h).
#include <bit>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/error.h"
#include "io/wire_result.h"

namespace ocres::wire {

using Bytes = std::vector<std::uint8_t>;

// The numpy element types we exchange. All multi-byte types are little-endian on the wire.
enum class DType : std::uint8_t {
  kBool,     // "|b1", one byte 0 or 1
  kUInt8,    // "|u1" (camera images)
  kInt8,     // "|i1"
  kUInt16,   // "<u2"
  kInt16,    // "<i2"
  kUInt32,   // "<u4"
  kInt32,    // "<i4"
  kUInt64,   // "<u8"
  kInt64,    // "<i8"
  kFloat16,  // "<f2" (decoded and converted; rarely sent)
  kFloat32,  // "<f4"
  kFloat64,  // "<f8"
};

// numpy's limit on dimensions (NPY_MAXDIMS in numpy 1.x); decoders reject more.
inline constexpr int kMaxNdim = 32;

std::size_t dtype_itemsize(DType dtype);
// numpy's dtype.str for the type: "<f4", "|u1", "|b1", ...
std::string_view dtype_descr(DType dtype);
// Accepts numpy's dtype.str spelling ("<" for multi-byte types, "|" or "<" for one-byte types).
// Big-endian, structured, complex, string and object dtypes give nullopt.
std::optional<DType> dtype_from_descr(std::string_view descr);

template <typename T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, bool>)
    return DType::kBool;
  else if constexpr (std::is_same_v<T, std::uint8_t>)
    return DType::kUInt8;
  else if constexpr (std::is_same_v<T, std::int8_t>)
    return DType::kInt8;
  else if constexpr (std::is_same_v<T, std::uint16_t>)
    return DType::kUInt16;
  else if constexpr (std::is_same_v<T, std::int16_t>)
    return DType::kInt16;
  else if constexpr (std::is_same_v<T, std::uint32_t>)
    return DType::kUInt32;
  else if constexpr (std::is_same_v<T, std::int32_t>)
    return DType::kInt32;
  else if constexpr (std::is_same_v<T, std::uint64_t>)
    return DType::kUInt64;
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return DType::kInt64;
  else if constexpr (std::is_same_v<T, float>)
    return DType::kFloat32;
  else if constexpr (std::is_same_v<T, double>)
    return DType::kFloat64;
  else
    static_assert(sizeof(T) == 0, "no numpy dtype for this C++ type");
}

// Checks that `shape` is a valid numpy shape (0..kMaxNdim dimensions, each >= 0, element count and byte
// count free of overflow) and describes exactly `data_bytes` bytes of `dtype`. Returns "" when
// consistent, otherwise what is wrong. Every decoder calls this before allocating anything.
std::string check_array_layout(DType dtype, std::span<const std::int64_t> shape, std::size_t data_bytes);

class NdArray {
 public:
  // An empty float32 array of shape (0,).
  NdArray() = default;
  // Throws InputError if `shape` does not describe `data` exactly (see check_array_layout).
  NdArray(DType dtype, std::vector<std::int64_t> shape, Bytes data);
  // The non-throwing form, for data from outside.
  static Result<NdArray> create(DType dtype, std::vector<std::int64_t> shape, Bytes data);

  // Copies `values` (C order) into a new array; throws InputError if the shape's element count differs.
  template <typename T>
  static NdArray from_values(std::vector<std::int64_t> shape, std::span<const T> values) {
    static_assert(std::endian::native == std::endian::little, "the wire format is little-endian");
    Bytes data(values.size_bytes());
    if (!data.empty()) std::memcpy(data.data(), values.data(), data.size());
    return NdArray(dtype_of<T>(), std::move(shape), std::move(data));
  }
  template <typename T>
  static NdArray from_values(std::vector<std::int64_t> shape, const std::vector<T>& values) {
    return from_values(std::move(shape), std::span<const T>(values));
  }

  DType dtype() const { return dtype_; }
  const std::vector<std::int64_t>& shape() const { return shape_; }
  int ndim() const { return static_cast<int>(shape_.size()); }
  // Number of elements (1 for a 0-d array).
  std::int64_t size() const { return static_cast<std::int64_t>(data_.size() / dtype_itemsize(dtype_)); }
  const Bytes& data() const { return data_; }

  // The elements as T; the dtype must be exactly T's (a bug otherwise: check dtype() first).
  template <typename T>
  std::vector<T> values() const {
    OCRES_CHECK(dtype_ == dtype_of<T>(), "NdArray::values<T>() with dtype " + std::string(dtype_descr(dtype_)));
    std::vector<T> out(static_cast<std::size_t>(size()));
    if (!out.empty()) std::memcpy(out.data(), data_.data(), data_.size());
    return out;
  }
  // The elements of any dtype converted to double (bool -> 0/1). 64-bit integers above 2^53 round.
  std::vector<double> to_f64() const;

  friend bool operator==(const NdArray&, const NdArray&) = default;

 private:
  struct Unchecked {};
  NdArray(Unchecked, DType dtype, std::vector<std::int64_t> shape, Bytes data)
      : dtype_(dtype), shape_(std::move(shape)), data_(std::move(data)) {}

  DType dtype_ = DType::kFloat32;
  std::vector<std::int64_t> shape_ = {0};
  Bytes data_;
};

// Human-readable "float32[16,7]" for messages.
std::string describe(const NdArray& array);

}  // namespace ocres::wire
