#include <gtest/gtest.h>

#include <cmath>
#include <limits>

// msgpack-c++ is the independent reference implementation for the cross-checks below.
#include <msgpack.hpp>

#include "io/msgpack_value.h"
#include "io/npy.h"
#include "wire_test_support.h"

namespace ocres::wire {
namespace {

using testing::from_hex;
using testing::from_text;

Bytes cat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Value decoded(const Bytes& bytes) {
  Result<Value> r = decode(bytes);
  if (!r.ok()) ADD_FAILURE() << r.error();
  return r.ok() ? std::move(r).value() : Value();
}

// SPEC §9's example. The text says float32[1,2] but the bytes end with shape `91 02`, i.e. [2]; the bytes
// are what openpi's msgpack_numpy produces for a shape-(2,) array (a (1,2) array would end `92 01 02`),
// so we reproduce the bytes.
const Bytes kSpecExample =
    cat({from_hex("81 a5"), from_text("state"), from_hex("84 c4 0b"), from_text("__ndarray__"), from_hex("c3 c4 04"),
         from_text("data"), from_hex("c4 08 0000803f00000040 c4 05"), from_text("dtype"), from_hex("a3"),
         from_text("<f4"), from_hex("c4 05"), from_text("shape"), from_hex("91 02")});

TEST(MsgpackOpenpi, EncoderReproducesTheSpecExampleBytes) {
  const Map observation{{"state", NdArray::from_values<float>({2}, std::vector<float>{1.0f, 2.0f})}};
  EXPECT_EQ(encode(Value(observation), ArrayStyle::kOpenpi), kSpecExample);
  // The same array shaped (1, 2) differs only in the shape field.
  Bytes one_by_two = kSpecExample;
  one_by_two.back() = 0x01;
  one_by_two[one_by_two.size() - 2] = 0x92;
  one_by_two.push_back(0x02);
  const Map wide{{"state", NdArray::from_values<float>({1, 2}, std::vector<float>{1.0f, 2.0f})}};
  EXPECT_EQ(encode(Value(wide), ArrayStyle::kOpenpi), one_by_two);
}

TEST(MsgpackOpenpi, DecoderTurnsTheSpecExampleIntoAnArray) {
  const Value v = decoded(kSpecExample);
  const Map& map = v.get<Map>();
  ASSERT_EQ(map.size(), 1u);
  const NdArray& state = map.find("state")->get<NdArray>();
  EXPECT_EQ(state.dtype(), DType::kFloat32);
  EXPECT_EQ(state.shape(), (std::vector<std::int64_t>{2}));
  EXPECT_EQ(state.values<float>(), (std::vector<float>{1.0f, 2.0f}));
}

TEST(MsgpackOpenpi, DecoderAcceptsStrKeysExtraKeysAndNumpyScalars) {
  // str instead of bin keys, keys in another order, an extra key: still an array.
  const Bytes str_keys =
      cat({from_hex("85 a5"), from_text("shape"), from_hex("92 01 01 a5"), from_text("dtype"), from_hex("a3"),
           from_text("|u1"), from_hex("a4"), from_text("data"), from_hex("c4 01 07 ab"), from_text("__ndarray__"),
           from_hex("c3 a5"), from_text("extra"), from_hex("c0")});
  EXPECT_EQ(decoded(str_keys), Value(NdArray(DType::kUInt8, {1, 1}, Bytes{7})));
  // openpi's numpy scalar form {b"__npgeneric__": True, b"data": 2.5, b"dtype": "<f8"} is the plain scalar.
  const Bytes scalar =
      cat({from_hex("83 c4 0d"), from_text("__npgeneric__"), from_hex("c3 c4 04"), from_text("data"),
           from_hex("cb 4004000000000000 c4 05"), from_text("dtype"), from_hex("a3"), from_text("<f8")});
  EXPECT_EQ(decoded(scalar), Value(2.5));
}

TEST(MsgpackGr00t, EncoderIsByteIdenticalToGr00tsPythonSerializer) {
  // msgpack.packb({"action.x": np.array([[1.5, -2.0]], np.float32)}, default=encode) with GR00T's
  // encode (np.save into "as_npy"), numpy 1.24.2, msgpack 1.0.3.
  const Bytes python = from_hex(
      "81a8616374696f6e2e7882b15f5f6e6461727261795f636c6173735f5fc3a661735f6e7079c488934e554d50590100760"
      "07b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73652c2027736861706527"
      "3a2028312c2032292c207d20202020202020202020202020202020202020202020202020202020202020202020202020202"
      "0202020202020202020202020202020202020200a0000c03f000000c0");
  const NdArray array = NdArray::from_values<float>({1, 2}, std::vector<float>{1.5f, -2.0f});
  EXPECT_EQ(encode(Value(Map{{"action.x", array}}), ArrayStyle::kGr00t), python);
  EXPECT_EQ(decoded(python), Value(Map{{"action.x", array}}));
}

TEST(Msgpack, ScalarsUseTheShortestEncodingLikePythonMsgpack) {
  // Expected bytes from Python: msgpack.packb(v).hex() (msgpack 1.0.3).
  const std::vector<std::pair<Value, std::string_view>> cases = {
      {Value(0), "00"},
      {Value(127), "7f"},
      {Value(128), "cc80"},
      {Value(255), "ccff"},
      {Value(256), "cd0100"},
      {Value(65535), "cdffff"},
      {Value(65536), "ce00010000"},
      {Value(4294967295LL), "ceffffffff"},
      {Value(4294967296LL), "cf0000000100000000"},
      {Value(std::numeric_limits<std::int64_t>::max()), "cf7fffffffffffffff"},
      {Value(std::numeric_limits<std::uint64_t>::max()), "cfffffffffffffffff"},
      {Value(-1), "ff"},
      {Value(-32), "e0"},
      {Value(-33), "d0df"},
      {Value(-128), "d080"},
      {Value(-129), "d1ff7f"},
      {Value(-32768), "d18000"},
      {Value(-32769), "d2ffff7fff"},
      {Value(-2147483648LL), "d280000000"},
      {Value(-2147483649LL), "d3ffffffff7fffffff"},
      {Value(std::numeric_limits<std::int64_t>::min()), "d38000000000000000"},
      {Value(1.5), "cb3ff8000000000000"},
      {Value(-0.0), "cb8000000000000000"},
      {Value(Array{Value(), true, false, "", Bytes{}, Map{}, Array{}}), "97c0c3c2a0c4008090"},
  };
  for (const auto& [value, hex] : cases) {
    EXPECT_EQ(encode(value, ArrayStyle::kOpenpi), from_hex(hex)) << hex;
    EXPECT_EQ(decoded(from_hex(hex)), value) << hex;
  }
}

TEST(Msgpack, LengthHeadersSwitchFormAtTheRightSizes) {
  const auto prefix = [](const Value& v, std::size_t n) {
    const Bytes b = encode(v, ArrayStyle::kOpenpi);
    return Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(std::min(n, b.size())));
  };
  EXPECT_EQ(prefix(std::string(31, 'a'), 1), from_hex("bf"));
  EXPECT_EQ(prefix(std::string(32, 'a'), 2), from_hex("d920"));
  EXPECT_EQ(prefix(std::string(256, 'a'), 3), from_hex("da0100"));
  EXPECT_EQ(prefix(std::string(65536, 'a'), 5), from_hex("db00010000"));
  EXPECT_EQ(prefix(Bytes(255, 1), 2), from_hex("c4ff"));
  EXPECT_EQ(prefix(Bytes(256, 1), 3), from_hex("c50100"));
  EXPECT_EQ(prefix(Bytes(65536, 1), 5), from_hex("c600010000"));
  EXPECT_EQ(prefix(Array(15), 1), from_hex("9f"));
  EXPECT_EQ(prefix(Array(16), 3), from_hex("dc0010"));
  EXPECT_EQ(prefix(Array(65536), 5), from_hex("dd00010000"));
  Map m15, m16, m65536;
  for (int i = 0; i < 65536; ++i) {
    if (i < 15) m15.append(std::to_string(i), 0);
    if (i < 16) m16.append(std::to_string(i), 0);
    m65536.append(std::to_string(i), 0);
  }
  EXPECT_EQ(prefix(m15, 1), from_hex("8f"));
  EXPECT_EQ(prefix(m16, 3), from_hex("de0010"));
  EXPECT_EQ(prefix(m65536, 5), from_hex("df00010000"));
  for (const Value& v : {Value(std::string(65536, 'a')), Value(Bytes(65536, 1)), Value(Array(65536)), Value(m65536)}) {
    EXPECT_EQ(decoded(encode(v, ArrayStyle::kOpenpi)), v);
  }
}

TEST(Msgpack, Float32OnTheWireDecodesToDouble) { EXPECT_EQ(decoded(from_hex("ca3fc00000")), Value(1.5)); }

// --- Cross-checks against msgpack-c++ -----------------------------------------------------------------

// A tree of plain values (no arrays conventions) exercising every kind and length form.
Value plain_tree() {
  Map inner{{"i", -5},
            {"u", std::numeric_limits<std::uint64_t>::max()},
            {"f", 0.1},
            {"s", "héllo"},
            {"b", Bytes{0, 1, 2, 255}},
            {"n", nullptr},
            {"t", true}};
  Array list;
  for (int i = -40; i < 300; i += 7) list.emplace_back(i * 1000003LL);
  list.emplace_back(std::string(40, 'x'));
  list.emplace_back(Bytes(300, 9));
  Map outer{{"inner", inner}, {"list", list}, {"empty_map", Map{}}, {"empty_list", Array{}}};
  for (int i = 0; i < 20; ++i) {
    // (Appending instead of "k" + std::to_string(i): GCC 12 -O3 reports a false -Wrestrict there, PR 105651.)
    std::string key = "k";
    key += std::to_string(i);
    outer.append(key, Array{i, Map{{"deep", Array{Value(Array{i})}}}});
  }
  return outer;
}

// Compares a msgpack-c++ object with our Value.
void expect_same(const msgpack::object& o, const Value& v, const std::string& path) {
  switch (v.kind()) {
    case Value::Kind::kNil:
      EXPECT_EQ(o.type, msgpack::type::NIL) << path;
      break;
    case Value::Kind::kBool:
      ASSERT_EQ(o.type, msgpack::type::BOOLEAN) << path;
      EXPECT_EQ(o.via.boolean, v.get<bool>()) << path;
      break;
    case Value::Kind::kInt:
      if (v.get<std::int64_t>() >= 0) {
        ASSERT_EQ(o.type, msgpack::type::POSITIVE_INTEGER) << path;
        EXPECT_EQ(o.via.u64, static_cast<std::uint64_t>(v.get<std::int64_t>())) << path;
      } else {
        ASSERT_EQ(o.type, msgpack::type::NEGATIVE_INTEGER) << path;
        EXPECT_EQ(o.via.i64, v.get<std::int64_t>()) << path;
      }
      break;
    case Value::Kind::kUInt:
      ASSERT_EQ(o.type, msgpack::type::POSITIVE_INTEGER) << path;
      EXPECT_EQ(o.via.u64, v.get<std::uint64_t>()) << path;
      break;
    case Value::Kind::kFloat:
      ASSERT_EQ(o.type, msgpack::type::FLOAT64) << path;
      EXPECT_EQ(o.via.f64, v.get<double>()) << path;
      break;
    case Value::Kind::kStr:
      ASSERT_EQ(o.type, msgpack::type::STR) << path;
      EXPECT_EQ(std::string(o.via.str.ptr, o.via.str.size), v.get<std::string>()) << path;
      break;
    case Value::Kind::kBin:
      ASSERT_EQ(o.type, msgpack::type::BIN) << path;
      EXPECT_EQ(Bytes(o.via.bin.ptr, o.via.bin.ptr + o.via.bin.size), v.get<Bytes>()) << path;
      break;
    case Value::Kind::kArray: {
      ASSERT_EQ(o.type, msgpack::type::ARRAY) << path;
      const Array& a = v.get<Array>();
      ASSERT_EQ(o.via.array.size, a.size()) << path;
      for (std::size_t i = 0; i < a.size(); ++i)
        expect_same(o.via.array.ptr[i], a[i], path + "[" + std::to_string(i) + "]");
      break;
    }
    case Value::Kind::kMap: {
      ASSERT_EQ(o.type, msgpack::type::MAP) << path;
      const Map& m = v.get<Map>();
      ASSERT_EQ(o.via.map.size, m.size()) << path;
      for (std::size_t i = 0; i < m.size(); ++i) {
        const msgpack::object_kv& kv = o.via.map.ptr[i];
        ASSERT_EQ(kv.key.type, msgpack::type::STR) << path;
        EXPECT_EQ(std::string(kv.key.via.str.ptr, kv.key.via.str.size), m.entries()[i].key) << path;
        expect_same(kv.val, m.entries()[i].value, path + "." + m.entries()[i].key);
      }
      break;
    }
    case Value::Kind::kNdArray:
      FAIL() << "plain trees hold no arrays";
      break;
  }
}

TEST(MsgpackCrossCheck, MsgpackCxxReadsWhatWeWrite) {
  const Value tree = plain_tree();
  const Bytes bytes = encode(tree, ArrayStyle::kOpenpi);
  const msgpack::object_handle handle = msgpack::unpack(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  expect_same(handle.get(), tree, "$");
}

TEST(MsgpackCrossCheck, WeReadWhatMsgpackCxxWrites) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> packer(buffer);
  packer.pack_map(4);
  packer.pack(std::string("ints"));
  const std::vector<std::int64_t> ints = {0, -1, -33, 128, -129, 70000, -70000, 5000000000LL, -5000000000LL};
  packer.pack(ints);
  packer.pack(std::string("float"));
  packer.pack_float(0.5f);
  packer.pack(std::string("bin"));
  packer.pack_bin(3);
  packer.pack_bin_body("\x01\x02\x03", 3);
  packer.pack(std::string("nested"));
  packer.pack(std::map<std::string, std::vector<std::string>>{{"a", {"x", std::string(300, 'y')}}});
  const Value v = decoded(Bytes(buffer.data(), buffer.data() + buffer.size()));
  const Map& m = v.get<Map>();
  Array expected_ints;
  for (std::int64_t i : ints) expected_ints.emplace_back(i);
  EXPECT_EQ(*m.find("ints"), Value(expected_ints));
  EXPECT_EQ(*m.find("float"), Value(0.5));
  EXPECT_EQ(*m.find("bin"), Value(Bytes{1, 2, 3}));
  EXPECT_EQ(*m.find("nested"), Value(Map{{"a", Array{"x", std::string(300, 'y')}}}));
}

TEST(Msgpack, RoundTripsArraysOfEveryDTypeInBothStyles) {
  Map map;
  map.append("b1", NdArray(DType::kBool, {3}, Bytes{1, 0, 1}));
  map.append("u1", NdArray::from_values<std::uint8_t>({2, 2, 3}, std::vector<std::uint8_t>(12, 200)));
  map.append("i2", NdArray::from_values<std::int16_t>({2}, std::vector<std::int16_t>{-3, 4}));
  map.append("i8", NdArray::from_values<std::int64_t>({1, 1}, std::vector<std::int64_t>{-1}));
  map.append("f2", NdArray(DType::kFloat16, {1}, Bytes{0x00, 0x3c}));
  map.append("f4", NdArray::from_values<float>({2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6}));
  map.append("f8_0d", NdArray::from_values<double>({}, std::vector<double>{3.25}));
  map.append("empty", NdArray(DType::kFloat32, {0, 7}, {}));
  map.append("prompt", "pick up the cube");
  map.append("list", Array{"one string"});
  for (ArrayStyle style : {ArrayStyle::kOpenpi, ArrayStyle::kGr00t}) {
    EXPECT_EQ(decoded(encode(Value(map), style)), Value(map));
  }
}

// --- Rejection of malformed input ---------------------------------------------------------------------

void expect_rejected(const Bytes& bytes, std::string_view why, const DecodeLimits& limits = {}) {
  const Result<Value> r = decode(bytes, limits);
  ASSERT_FALSE(r.ok()) << "accepted: " << why;
  EXPECT_NE(r.error().find(why), std::string::npos) << "error '" << r.error() << "' does not mention '" << why << "'";
}

// An openpi array map with the given fields (already encoded).
Bytes openpi_array(const Bytes& flag, const Bytes& data, const Bytes& dtype, const Bytes& shape) {
  return cat({from_hex("84 c4 0b"), from_text("__ndarray__"), flag, from_hex("c4 04"), from_text("data"), data,
              from_hex("c4 05"), from_text("dtype"), dtype, from_hex("c4 05"), from_text("shape"), shape});
}

TEST(Msgpack, DecoderRejectsMalformedMessages) {
  expect_rejected({}, "truncated");
  expect_rejected(from_hex("92 01"), "array of 2 elements in 1 bytes");
  expect_rejected(from_hex("92 01 a5"), "truncated");
  expect_rejected(from_hex("a5 6869"), "truncated");
  expect_rejected(from_hex("c4"), "truncated");
  expect_rejected(from_hex("cb 0000"), "truncated");
  expect_rejected(from_hex("01 02"), "trailing bytes");
  expect_rejected(from_hex("c1"), "reserved byte 0xc1");
  expect_rejected(from_hex("d4 01 00"), "ext types");
  expect_rejected(from_hex("c7 01 05 00"), "ext types");
  expect_rejected(from_hex("81 01 02"), "map key is not str or bin");
  // Declared counts far beyond the input are rejected before anything is allocated.
  expect_rejected(from_hex("dd ffffffff 00"), "array of 4294967295 elements in 1 bytes");
  expect_rejected(from_hex("df ffffffff"), "map of 4294967295 entries in 0 bytes");
  expect_rejected(from_hex("c6 ffffffff 00"), "truncated");
  expect_rejected(Bytes(100000, 0x91), "nesting deeper than 64");
  expect_rejected(from_hex("93 01 02 03"), "more than 3 values", DecodeLimits{64, 3});
}

TEST(Msgpack, DecoderRejectsMalformedArrays) {
  const Bytes data8 = cat({from_hex("c4 08"), Bytes(8)});
  const Bytes f4 = cat({from_hex("a3"), from_text("<f4")});
  const Bytes shape2 = from_hex("91 02");
  ASSERT_TRUE(decode(openpi_array(from_hex("c3"), data8, f4, shape2)).ok());
  expect_rejected(openpi_array(from_hex("c2"), data8, f4, shape2), "__ndarray__ is not true");
  expect_rejected(openpi_array(from_hex("c3"), from_hex("a0"), f4, shape2), "data is str, not bin");
  expect_rejected(openpi_array(from_hex("c3"), data8, from_hex("01"), shape2), "dtype is int, not str");
  expect_rejected(openpi_array(from_hex("c3"), data8, cat({from_hex("a3"), from_text("<c8")}), shape2),
                  "dtype '<c8' is unsupported");
  expect_rejected(openpi_array(from_hex("c3"), data8, cat({from_hex("a3"), from_text(">f4")}), shape2),
                  "dtype '>f4' is unsupported");
  expect_rejected(openpi_array(from_hex("c3"), data8, f4, from_hex("02")), "shape is int, not an array");
  expect_rejected(openpi_array(from_hex("c3"), data8, f4, from_hex("91 cb4000000000000000")), "shape holds a float");
  expect_rejected(openpi_array(from_hex("c3"), data8, f4, from_hex("91 03")), "needs 12 bytes");
  expect_rejected(openpi_array(from_hex("c3"), data8, f4, from_hex("92 01 01")), "needs 4 bytes");
  expect_rejected(openpi_array(from_hex("c3"), data8, f4, from_hex("92 ff fe")), "negative");
  expect_rejected(openpi_array(from_hex("c3"), data8, f4, from_hex("92 cf7fffffffffffffff cf7fffffffffffffff")),
                  "overflows");
  expect_rejected(openpi_array(from_hex("c3"), data8, f4, from_hex("92 cfffffffffffffffff 00")), "shape holds a uint");
  expect_rejected(openpi_array(from_hex("c3"), from_hex("c0"), f4, shape2), "data is nil");
  Bytes too_many_dims = from_hex("dc 0021");
  too_many_dims.insert(too_many_dims.end(), 33, 0x01);
  expect_rejected(openpi_array(from_hex("c3"), cat({from_hex("c4 01"), Bytes(1)}),
                               cat({from_hex("a3"), from_text("|u1")}), too_many_dims),
                  "more than 32 dimensions");
  expect_rejected(cat({from_hex("81 ab"), from_text("__ndarray__"), from_hex("c3")}), "lacks data, dtype or shape");

  const Bytes npy = encode_npy(NdArray::from_values<float>({2}, std::vector<float>{1, 2}));
  const auto gr00t = [](const Bytes& flag, const Bytes& as_npy) {
    return cat({from_hex("82 b1"), from_text("__ndarray_class__"), flag, from_hex("a6"), from_text("as_npy"), as_npy});
  };
  ASSERT_TRUE(
      decode(gr00t(from_hex("c3"), cat({from_hex("c4"), Bytes{static_cast<std::uint8_t>(npy.size())}, npy}))).ok());
  expect_rejected(gr00t(from_hex("c2"), cat({from_hex("c4"), Bytes{static_cast<std::uint8_t>(npy.size())}, npy})),
                  "__ndarray_class__ is not true");
  expect_rejected(gr00t(from_hex("c3"), from_hex("a0")), "lacks a bin as_npy");
  expect_rejected(gr00t(from_hex("c3"), cat({from_hex("c4"), Bytes{static_cast<std::uint8_t>(npy.size() - 1)},
                                             Bytes(npy.begin(), npy.end() - 1)})),
                  "npy: array shape needs 8 bytes");
}

TEST(Msgpack, ErrorsNameTheByteOffset) {
  const Result<Value> r = decode(from_hex("92 01 c1"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("at byte 2"), std::string::npos) << r.error();
}

TEST(MsgpackValue, MapSetReplacesAndFindReturnsNullWhenAbsent) {
  Map m{{"a", 1}, {"b", 2}};
  m.set("a", 3);
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(*m.find("a"), Value(3));
  EXPECT_EQ(m.find("zzz"), nullptr);
  EXPECT_EQ(Value(3).number(), 3.0);
  EXPECT_EQ(Value("x").number(), std::nullopt);
  EXPECT_EQ(Value(3).get_if<std::string>(), nullptr);
}

}  // namespace
}  // namespace ocres::wire
