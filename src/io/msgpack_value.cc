#include "io/msgpack_value.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include "io/npy.h"

namespace ocres::wire {

// ---------------------------------------------------------------------------------------------------
// Map and Value

Map::Map(std::initializer_list<MapEntry> entries) {
  for (const MapEntry& entry : entries) set(entry.key, entry.value);
}

const Value* Map::find(std::string_view key) const {
  for (const MapEntry& entry : entries_) {
    if (entry.key == key) return &entry.value;
  }
  return nullptr;
}

Value* Map::find(std::string_view key) {
  for (MapEntry& entry : entries_) {
    if (entry.key == key) return &entry.value;
  }
  return nullptr;
}

void Map::set(std::string key, Value value) {
  if (Value* existing = find(key)) {
    *existing = std::move(value);
  } else {
    append(std::move(key), std::move(value));
  }
}

void Map::append(std::string key, Value value) { entries_.push_back(MapEntry{std::move(key), std::move(value)}); }

std::size_t Map::size() const { return entries_.size(); }
std::vector<MapEntry>::const_iterator Map::begin() const { return entries_.begin(); }
std::vector<MapEntry>::const_iterator Map::end() const { return entries_.end(); }
bool operator==(const Map& a, const Map& b) { return a.entries_ == b.entries_; }

std::optional<double> Value::number() const {
  if (const auto* i = get_if<std::int64_t>()) return static_cast<double>(*i);
  if (const auto* u = get_if<std::uint64_t>()) return static_cast<double>(*u);
  if (const auto* d = get_if<double>()) return *d;
  return std::nullopt;
}

std::string_view Value::kind_name(Kind kind) {
  switch (kind) {
    case Kind::kNil:
      return "nil";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kUInt:
      return "uint";
    case Kind::kFloat:
      return "float";
    case Kind::kStr:
      return "str";
    case Kind::kBin:
      return "bin";
    case Kind::kArray:
      return "array";
    case Kind::kMap:
      return "map";
    case Kind::kNdArray:
      return "ndarray";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------------
// Encoder

namespace {

template <typename T>
void put_be(Bytes& out, T value) {
  static_assert(std::is_unsigned_v<T>);
  for (int shift = 8 * (static_cast<int>(sizeof(T)) - 1); shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

// Writes a length-prefixed header choosing the shortest of [fix], 8-, 16- and 32-bit forms.
// fix_base/fix_max: fixed form (fix_max 0 = none); tag8 0 = no 8-bit form.
void put_header(Bytes& out, std::size_t n, std::uint8_t fix_base, std::size_t fix_max, std::uint8_t tag8,
                std::uint8_t tag16, std::uint8_t tag32) {
  if (n < fix_max) {
    out.push_back(static_cast<std::uint8_t>(fix_base | n));
  } else if (tag8 != 0 && n <= 0xff) {
    out.push_back(tag8);
    out.push_back(static_cast<std::uint8_t>(n));
  } else if (n <= 0xffff) {
    out.push_back(tag16);
    put_be(out, static_cast<std::uint16_t>(n));
  } else {
    OCRES_CHECK(n <= 0xffffffffu, "msgpack: object of more than 2^32-1 elements or bytes");
    out.push_back(tag32);
    put_be(out, static_cast<std::uint32_t>(n));
  }
}

void put_str(Bytes& out, std::string_view s) {
  put_header(out, s.size(), 0xa0, 32, 0xd9, 0xda, 0xdb);
  out.insert(out.end(), s.begin(), s.end());
}

void put_bin(Bytes& out, std::span<const std::uint8_t> b) {
  put_header(out, b.size(), 0, 0, 0xc4, 0xc5, 0xc6);
  out.insert(out.end(), b.begin(), b.end());
}

void put_bin(Bytes& out, std::string_view s) {
  put_bin(out, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

void put_map_header(Bytes& out, std::size_t n) { put_header(out, n, 0x80, 16, 0, 0xde, 0xdf); }
void put_array_header(Bytes& out, std::size_t n) { put_header(out, n, 0x90, 16, 0, 0xdc, 0xdd); }

void put_int(Bytes& out, std::int64_t i) {
  if (i >= 0) {
    const auto u = static_cast<std::uint64_t>(i);
    if (u < 0x80) {
      out.push_back(static_cast<std::uint8_t>(u));
    } else if (u <= 0xff) {
      out.push_back(0xcc);
      out.push_back(static_cast<std::uint8_t>(u));
    } else if (u <= 0xffff) {
      out.push_back(0xcd);
      put_be(out, static_cast<std::uint16_t>(u));
    } else if (u <= 0xffffffffu) {
      out.push_back(0xce);
      put_be(out, static_cast<std::uint32_t>(u));
    } else {
      out.push_back(0xcf);
      put_be(out, u);
    }
  } else if (i >= -32) {
    out.push_back(static_cast<std::uint8_t>(i));  // negative fixint 0xe0..0xff
  } else if (i >= -128) {
    out.push_back(0xd0);
    out.push_back(static_cast<std::uint8_t>(i));
  } else if (i >= -32768) {
    out.push_back(0xd1);
    put_be(out, static_cast<std::uint16_t>(i));
  } else if (i >= -2147483648LL) {
    out.push_back(0xd2);
    put_be(out, static_cast<std::uint32_t>(i));
  } else {
    out.push_back(0xd3);
    put_be(out, static_cast<std::uint64_t>(i));
  }
}

void put_ndarray(Bytes& out, const NdArray& array, ArrayStyle style) {
  if (style == ArrayStyle::kOpenpi) {
    put_map_header(out, 4);
    put_bin(out, "__ndarray__");
    out.push_back(0xc3);
    put_bin(out, "data");
    put_bin(out, array.data());
    put_bin(out, "dtype");
    put_str(out, dtype_descr(array.dtype()));
    put_bin(out, "shape");
    put_array_header(out, array.shape().size());
    for (std::int64_t dim : array.shape()) put_int(out, dim);
  } else {
    put_map_header(out, 2);
    put_str(out, "__ndarray_class__");
    out.push_back(0xc3);
    put_str(out, "as_npy");
    Bytes npy;
    encode_npy_to(array, npy);
    put_bin(out, npy);
  }
}

}  // namespace

void encode_to(const Value& value, ArrayStyle style, Bytes& out) {
  switch (value.kind()) {
    case Value::Kind::kNil:
      out.push_back(0xc0);
      break;
    case Value::Kind::kBool:
      out.push_back(value.get<bool>() ? 0xc3 : 0xc2);
      break;
    case Value::Kind::kInt:
      put_int(out, value.get<std::int64_t>());
      break;
    case Value::Kind::kUInt:
      out.push_back(0xcf);
      put_be(out, value.get<std::uint64_t>());
      break;
    case Value::Kind::kFloat:
      out.push_back(0xcb);
      put_be(out, std::bit_cast<std::uint64_t>(value.get<double>()));
      break;
    case Value::Kind::kStr:
      put_str(out, value.get<std::string>());
      break;
    case Value::Kind::kBin:
      put_bin(out, value.get<Bytes>());
      break;
    case Value::Kind::kArray: {
      const Array& array = value.get<Array>();
      put_array_header(out, array.size());
      for (const Value& element : array) encode_to(element, style, out);
      break;
    }
    case Value::Kind::kMap:
      encode_to(value.get<Map>(), style, out);
      break;
    case Value::Kind::kNdArray:
      put_ndarray(out, value.get<NdArray>(), style);
      break;
  }
}

void encode_to(const Map& map, ArrayStyle style, Bytes& out) {
  put_map_header(out, map.size());
  for (const MapEntry& entry : map) {
    put_str(out, entry.key);
    encode_to(entry.value, style, out);
  }
}

void encode_map_header(std::size_t entries, Bytes& out) { put_map_header(out, entries); }
void encode_str(std::string_view s, Bytes& out) { put_str(out, s); }

Bytes encode(const Value& value, ArrayStyle style) {
  Bytes out;
  encode_to(value, style, out);
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Decoder

namespace {

class Decoder {
 public:
  Decoder(std::span<const std::uint8_t> in, const DecodeLimits& limits) : in_(in), limits_(limits) {}

  Result<Value> run() {
    Value value;
    if (!parse(value, 0)) return Result<Value>::failure(std::move(error_));
    if (pos_ != in_.size()) {
      fail("trailing bytes after the message (" + std::to_string(in_.size() - pos_) + ")");
      return Result<Value>::failure(std::move(error_));
    }
    return Result<Value>::success(std::move(value));
  }

 private:
  bool fail(const std::string& what) {
    if (error_.empty()) error_ = "msgpack: " + what + " (at byte " + std::to_string(pos_) + ")";
    return false;
  }
  std::size_t remaining() const { return in_.size() - pos_; }
  bool need(std::size_t n) {
    if (remaining() < n) {
      return fail("truncated: needs " + std::to_string(n) + " more bytes, has " + std::to_string(remaining()));
    }
    return true;
  }
  template <typename T>
  bool read_be(T& out) {
    if (!need(sizeof(T))) return false;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) v = v << 8 | in_[pos_ + i];
    pos_ += sizeof(T);
    out = static_cast<T>(v);
    return true;
  }
  // Reads an 8/16/32-bit big-endian length (width in bytes).
  bool read_length(int width, std::size_t& n) {
    if (width == 1) {
      std::uint8_t v;
      if (!read_be(v)) return false;
      n = v;
    } else if (width == 2) {
      std::uint16_t v;
      if (!read_be(v)) return false;
      n = v;
    } else {
      std::uint32_t v;
      if (!read_be(v)) return false;
      n = v;
    }
    return true;
  }
  bool read_raw(std::size_t n, std::span<const std::uint8_t>& out) {
    if (!need(n)) return false;
    out = in_.subspan(pos_, n);
    pos_ += n;
    return true;
  }

  bool parse(Value& out, int depth) {
    if (++values_ > limits_.max_values) return fail("more than " + std::to_string(limits_.max_values) + " values");
    std::uint8_t tag;
    if (!read_be(tag)) return false;
    if (tag <= 0x7f) {  // positive fixint
      out = Value(static_cast<std::int64_t>(tag));
      return true;
    }
    if (tag >= 0xe0) {  // negative fixint
      out = Value(static_cast<std::int64_t>(static_cast<std::int8_t>(tag)));
      return true;
    }
    if (tag >= 0x80 && tag <= 0x8f) return parse_map(tag & 0x0fu, out, depth);
    if (tag >= 0x90 && tag <= 0x9f) return parse_array(tag & 0x0fu, out, depth);
    if (tag >= 0xa0 && tag <= 0xbf) return parse_str(tag & 0x1fu, out);
    std::size_t n = 0;
    switch (tag) {
      case 0xc0:
        out = Value();
        return true;
      case 0xc2:
        out = Value(false);
        return true;
      case 0xc3:
        out = Value(true);
        return true;
      case 0xc4:
      case 0xc5:
      case 0xc6: {
        if (!read_length(1 << (tag - 0xc4), n)) return false;
        std::span<const std::uint8_t> raw;
        if (!read_raw(n, raw)) return false;
        out = Value(Bytes(raw.begin(), raw.end()));
        return true;
      }
      case 0xca: {
        std::uint32_t bits;
        if (!read_be(bits)) return false;
        out = Value(static_cast<double>(std::bit_cast<float>(bits)));
        return true;
      }
      case 0xcb: {
        std::uint64_t bits;
        if (!read_be(bits)) return false;
        out = Value(std::bit_cast<double>(bits));
        return true;
      }
      case 0xcc: {
        std::uint8_t v;
        if (!read_be(v)) return false;
        out = Value(v);
        return true;
      }
      case 0xcd: {
        std::uint16_t v;
        if (!read_be(v)) return false;
        out = Value(v);
        return true;
      }
      case 0xce: {
        std::uint32_t v;
        if (!read_be(v)) return false;
        out = Value(v);
        return true;
      }
      case 0xcf: {
        std::uint64_t v;
        if (!read_be(v)) return false;
        out = Value(v);
        return true;
      }
      case 0xd0: {
        std::uint8_t v;
        if (!read_be(v)) return false;
        out = Value(static_cast<std::int8_t>(v));
        return true;
      }
      case 0xd1: {
        std::uint16_t v;
        if (!read_be(v)) return false;
        out = Value(static_cast<std::int16_t>(v));
        return true;
      }
      case 0xd2: {
        std::uint32_t v;
        if (!read_be(v)) return false;
        out = Value(static_cast<std::int32_t>(v));
        return true;
      }
      case 0xd3: {
        std::uint64_t v;
        if (!read_be(v)) return false;
        out = Value(static_cast<std::int64_t>(v));
        return true;
      }
      case 0xd9:
      case 0xda:
      case 0xdb:
        if (!read_length(1 << (tag - 0xd9), n)) return false;
        return parse_str(n, out);
      case 0xdc:
      case 0xdd:
        if (!read_length(tag == 0xdc ? 2 : 4, n)) return false;
        return parse_array(n, out, depth);
      case 0xde:
      case 0xdf:
        if (!read_length(tag == 0xde ? 2 : 4, n)) return false;
        return parse_map(n, out, depth);
      case 0xc1:
        --pos_;
        return fail("reserved byte 0xc1");
      default:  // 0xc7-0xc9, 0xd4-0xd8
        --pos_;
        return fail("ext types are unsupported");
    }
  }

  bool parse_str(std::size_t n, Value& out) {
    std::span<const std::uint8_t> raw;
    if (!read_raw(n, raw)) return false;
    out = Value(std::string(reinterpret_cast<const char*>(raw.data()), raw.size()));
    return true;
  }

  bool parse_array(std::size_t n, Value& out, int depth) {
    if (depth >= limits_.max_depth) return fail("nesting deeper than " + std::to_string(limits_.max_depth));
    // Every element takes at least one byte: a larger count is a lie, reject it before allocating.
    if (n > remaining())
      return fail("array of " + std::to_string(n) + " elements in " + std::to_string(remaining()) + " bytes");
    Array array;
    // Reserve little: nested arrays could each claim the whole remaining input.
    array.reserve(std::min<std::size_t>(n, 64));
    for (std::size_t i = 0; i < n; ++i) {
      array.emplace_back();
      if (!parse(array.back(), depth + 1)) return false;
    }
    out = Value(std::move(array));
    return true;
  }

  bool parse_map(std::size_t n, Value& out, int depth) {
    if (depth >= limits_.max_depth) return fail("nesting deeper than " + std::to_string(limits_.max_depth));
    if (n > remaining() / 2)
      return fail("map of " + std::to_string(n) + " entries in " + std::to_string(remaining()) + " bytes");
    const std::size_t map_start = pos_;
    Map map;
    bool any_special_key = false;
    for (std::size_t i = 0; i < n; ++i) {
      std::string key;
      if (!parse_key(key)) return false;
      Value value;
      if (!parse(value, depth + 1)) return false;
      any_special_key = any_special_key || key.starts_with("__");
      map.append(std::move(key), std::move(value));
    }
    if (any_special_key) return convert_special(std::move(map), map_start, out);
    out = Value(std::move(map));
    return true;
  }

  // Map keys are str (Python str) or bin (Python bytes, as msgpack-numpy writes them).
  bool parse_key(std::string& key) {
    if (++values_ > limits_.max_values) return fail("more than " + std::to_string(limits_.max_values) + " values");
    std::uint8_t tag;
    if (!need(1)) return false;
    tag = in_[pos_];
    std::size_t n = 0;
    if (tag >= 0xa0 && tag <= 0xbf) {
      ++pos_;
      n = tag & 0x1fu;
    } else if (tag == 0xd9 || tag == 0xda || tag == 0xdb) {
      ++pos_;
      if (!read_length(1 << (tag - 0xd9), n)) return false;
    } else if (tag == 0xc4 || tag == 0xc5 || tag == 0xc6) {
      ++pos_;
      if (!read_length(1 << (tag - 0xc4), n)) return false;
    } else {
      return fail("map key is not str or bin");
    }
    std::span<const std::uint8_t> raw;
    if (!read_raw(n, raw)) return false;
    key.assign(reinterpret_cast<const char*>(raw.data()), raw.size());
    return true;
  }

  // Turns a map that follows an array convention into an NdArray or scalar value.
  bool convert_special(Map map, std::size_t map_start, Value& out) {
    const auto fail_at = [&](const std::string& what) {
      pos_ = map_start;
      return fail(what);
    };
    if (const Value* flag = map.find("__ndarray__")) {
      if (flag->get_if<bool>() == nullptr || !flag->get<bool>()) return fail_at("__ndarray__ is not true");
      Value* data = map.find("data");
      const Value* dtype = map.find("dtype");
      const Value* shape = map.find("shape");
      if (data == nullptr || dtype == nullptr || shape == nullptr)
        return fail_at("__ndarray__ map lacks data, dtype or shape");
      if (data->get_if<Bytes>() == nullptr)
        return fail_at("__ndarray__ data is " + std::string(Value::kind_name(data->kind())) + ", not bin");
      if (dtype->get_if<std::string>() == nullptr)
        return fail_at("__ndarray__ dtype is " + std::string(Value::kind_name(dtype->kind())) + ", not str");
      const std::optional<DType> parsed = dtype_from_descr(dtype->get<std::string>());
      if (!parsed) return fail_at("__ndarray__ dtype '" + dtype->get<std::string>() + "' is unsupported");
      const Array* dims = shape->get_if<Array>();
      if (dims == nullptr)
        return fail_at("__ndarray__ shape is " + std::string(Value::kind_name(shape->kind())) + ", not an array");
      if (dims->size() > static_cast<std::size_t>(kMaxNdim))
        return fail_at("__ndarray__ shape has more than " + std::to_string(kMaxNdim) + " dimensions");
      std::vector<std::int64_t> extents;
      extents.reserve(dims->size());
      for (const Value& dim : *dims) {
        const std::int64_t* d = dim.get_if<std::int64_t>();
        if (d == nullptr)
          return fail_at("__ndarray__ shape holds a " + std::string(Value::kind_name(dim.kind())) + ", not an int");
        extents.push_back(*d);
      }
      Result<NdArray> array = NdArray::create(*parsed, std::move(extents), std::move(*data->get_if<Bytes>()));
      if (!array.ok()) return fail_at("__ndarray__: " + array.error());
      out = Value(std::move(array).value());
      return true;
    }
    if (const Value* flag = map.find("__ndarray_class__")) {
      if (flag->get_if<bool>() == nullptr || !flag->get<bool>()) return fail_at("__ndarray_class__ is not true");
      const Value* npy = map.find("as_npy");
      if (npy == nullptr || npy->get_if<Bytes>() == nullptr) return fail_at("__ndarray_class__ map lacks a bin as_npy");
      Result<NdArray> array = decode_npy(npy->get<Bytes>());
      if (!array.ok()) return fail_at("__ndarray_class__: " + array.error());
      out = Value(std::move(array).value());
      return true;
    }
    if (const Value* flag = map.find("__npgeneric__")) {
      if (flag->get_if<bool>() == nullptr || !flag->get<bool>()) return fail_at("__npgeneric__ is not true");
      Value* data = map.find("data");
      if (data == nullptr) return fail_at("__npgeneric__ map lacks data");
      const Value::Kind kind = data->kind();
      if (kind != Value::Kind::kBool && kind != Value::Kind::kInt && kind != Value::Kind::kUInt &&
          kind != Value::Kind::kFloat) {
        return fail_at("__npgeneric__ data is " + std::string(Value::kind_name(kind)) + ", not a number or bool");
      }
      out = std::move(*data);
      return true;
    }
    out = Value(std::move(map));
    return true;
  }

  std::span<const std::uint8_t> in_;
  DecodeLimits limits_;
  std::size_t pos_ = 0;
  std::size_t values_ = 0;
  std::string error_;
};

}  // namespace

Result<Value> decode(std::span<const std::uint8_t> bytes, const DecodeLimits& limits) {
  return Decoder(bytes, limits).run();
}

}  // namespace ocres::wire
