#pragma once
// A small dynamic msgpack value and the codec both remote base-policy protocols use (SPEC §9).
//
// Why not msgpack-c++'s object API: its unpacker allocates an array's or map's declared element count
// up front, so a 5-byte message can demand gigabytes, and it reports errors by exceptions. This decoder
// never allocates more than a small multiple of its input, bounds nesting depth, and returns a Result.
// Tests cross-check it against msgpack-c++ and against Python's msgpack in the peer servers.
//
// Arrays (NdArray) are first-class values. They are encoded in one of two conventions and both are
// recognised when decoding:
//   openpi (msgpack-numpy): map of four entries whose keys are msgpack *bin*, in this order:
//       bin"__ndarray__" -> true, bin"data" -> bin (C-order LE bytes), bin"dtype" -> str "<f4",
//       bin"shape" -> array of ints.
//       Also decoded: numpy scalars {bin"__npgeneric__": true, bin"data": scalar, bin"dtype": str}
//       become the plain scalar.
//   GR00T: map {str"__ndarray_class__" -> true, str"as_npy" -> bin holding a .npy v1.0 file (npy.h)}.
//
// SPEC §9's example `{"state": float32[1,2]}` lists bytes ending in shape `91 02`, i.e. shape [2]; a
// (1, 2) array would end `92 01 02`. The encoder reproduces the listed bytes for a shape-(2,) array
// (tests/io/wire_msgpack_test.cc), which is also what openpi's msgpack_numpy writes.
#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.h"
#include "io/ndarray.h"
#include "io/wire_result.h"

namespace ocres::wire {

class Value;
struct MapEntry;
using Array = std::vector<Value>;

// Insertion-ordered string-keyed map (order is kept so encoding is deterministic). Keys decode from
// msgpack str or bin; maps with other key types are rejected by decode().
class Map {
 public:
  Map() = default;
  Map(std::initializer_list<MapEntry> entries);

  // nullptr when absent. With duplicate keys (possible only from decode()) the first wins.
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  bool contains(std::string_view key) const { return find(key) != nullptr; }
  // Inserts, or replaces the value of an existing key.
  void set(std::string key, Value value);
  // Appends without looking for an existing key (the decoder's path).
  void append(std::string key, Value value);

  std::size_t size() const;
  bool empty() const { return size() == 0; }
  const std::vector<MapEntry>& entries() const { return entries_; }
  std::vector<MapEntry>::const_iterator begin() const;
  std::vector<MapEntry>::const_iterator end() const;

  friend bool operator==(const Map& a, const Map& b);

 private:
  std::vector<MapEntry> entries_;
};

class Value {
 public:
  // The msgpack type of the value; kNdArray is one of the two array conventions above.
  enum class Kind { kNil, kBool, kInt, kUInt, kFloat, kStr, kBin, kArray, kMap, kNdArray };

  Value() = default;  // nil
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  // Signed integers, and unsigned ones up to INT64_MAX, are kInt; larger unsigned ones kUInt.
  template <std::integral T>
  requires(!std::same_as<T, bool>) Value(T i) {
    if constexpr (std::is_signed_v<T>) {
      v_ = static_cast<std::int64_t>(i);
    } else if (static_cast<std::uint64_t>(i) <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      v_ = static_cast<std::int64_t>(i);
    } else {
      v_ = static_cast<std::uint64_t>(i);
    }
  }
  Value(double d) : v_(d) {}
  Value(float f) : v_(static_cast<double>(f)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(Bytes b) : v_(std::move(b)) {}
  Value(Array a) : v_(std::move(a)) {}
  Value(Map m) : v_(std::move(m)) {}
  Value(NdArray a) : v_(std::move(a)) {}

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_nil() const { return kind() == Kind::kNil; }

  // T is one of bool, std::int64_t, std::uint64_t, double, std::string, Bytes, Array, Map, NdArray.
  // get_if returns nullptr on another kind; get on another kind is a bug (check kind() or use get_if).
  template <typename T>
  const T* get_if() const {
    return std::get_if<T>(&v_);
  }
  template <typename T>
  T* get_if() {
    return std::get_if<T>(&v_);
  }
  template <typename T>
  const T& get() const {
    const T* p = get_if<T>();
    OCRES_CHECK(p != nullptr, "wire::Value::get<T>() on a value of kind " + std::string(kind_name(kind())));
    return *p;
  }
  // An int, uint or float as double; nullopt for any other kind.
  std::optional<double> number() const;

  static std::string_view kind_name(Kind kind);

  friend bool operator==(const Value& a, const Value& b) { return a.v_ == b.v_; }

 private:
  // Alternative order matches Kind.
  std::variant<std::monostate, bool, std::int64_t, std::uint64_t, double, std::string, Bytes, Array, Map, NdArray> v_;
};

struct MapEntry {
  std::string key;
  Value value;
  friend bool operator==(const MapEntry&, const MapEntry&) = default;
};

// How NdArray values are written (decoding accepts both).
enum class ArrayStyle { kOpenpi, kGr00t };

// Shortest msgpack encodings (as Python's msgpack writes them): ints in the smallest int/fixint form,
// doubles as float64, strings as str, Bytes as bin.
Bytes encode(const Value& value, ArrayStyle style);
// Appends to `out`.
void encode_to(const Value& value, ArrayStyle style, Bytes& out);
void encode_to(const Map& map, ArrayStyle style, Bytes& out);
// Building blocks for writing an envelope map around a large value without copying it into a Value:
// a map header for `entries` key/value pairs, then for each a key (encode_str) and a value (encode_to).
void encode_map_header(std::size_t entries, Bytes& out);
void encode_str(std::string_view s, Bytes& out);

struct DecodeLimits {
  int max_depth = 64;                // nesting of arrays/maps
  std::size_t max_values = 1 << 20;  // decoded values in total (a policy reply has tens)
};

// Decodes exactly one msgpack object spanning all of `bytes`. Rejects (with the byte offset) truncation,
// trailing bytes, the reserved byte 0xc1, ext types, map keys other than str/bin, nesting beyond
// max_depth and malformed array conventions (wrong field types, unknown dtype, invalid shape, shape and
// data length disagreeing, bad .npy), and more than max_values values. Memory stays below
// bytes.size() plus ~200 bytes per decoded value, whatever counts the input declares.
Result<Value> decode(std::span<const std::uint8_t> bytes, const DecodeLimits& limits = {});

}  // namespace ocres::wire
