#include <gtest/gtest.h>

#include "io/npy.h"
#include "wire_test_support.h"

namespace ocres::wire {
namespace {

using testing::from_hex;
using testing::from_text;

// np.save(f, np.arange(6, dtype='<f4').reshape(2, 3), allow_pickle=False) with numpy 1.24.2.
constexpr std::string_view kNumpyF4_2x3 =
    "934e554d5059010076007b276465736372273a20273c6634272c2027666f727472616e5f6f72646572273a2046616c73"
    "652c20277368617065273a2028322c2033292c207d202020202020202020202020202020202020202020202020202020"
    "202020202020202020202020202020202020202020202020202020202020200a000000000000803f0000004000004040"
    "000080400000a040";
// np.save(f, np.array([1, 2, 3], np.uint8))
constexpr std::string_view kNumpyU1_3 =
    "934e554d5059010076007b276465736372273a20277c7531272c2027666f727472616e5f6f72646572273a2046616c73"
    "652c20277368617065273a2028332c292c207d2020202020202020202020202020202020202020202020202020202020"
    "202020202020202020202020202020202020202020202020202020202020200a010203";
// np.save(f, np.float64(0.5) * np.ones(()))  (a 0-d array)
constexpr std::string_view kNumpyF8_0d =
    "934e554d5059010076007b276465736372273a20273c6638272c2027666f727472616e5f6f72646572273a2046616c73"
    "652c20277368617065273a2028292c207d20202020202020202020202020202020202020202020202020202020202020"
    "202020202020202020202020202020202020202020202020202020202020200a000000000000e03f";
// np.save(f, np.array([True, False]))
constexpr std::string_view kNumpyBool_2 =
    "934e554d5059010076007b276465736372273a20277c6231272c2027666f727472616e5f6f72646572273a2046616c73"
    "652c20277368617065273a2028322c292c207d2020202020202020202020202020202020202020202020202020202020"
    "202020202020202020202020202020202020202020202020202020202020200a0100";

// A .npy file with the given header text, padded the way numpy pads it.
Bytes npy_with_header(std::string header, const Bytes& data) {
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  Bytes out = from_hex("934e554d50590100");
  out.push_back(static_cast<std::uint8_t>(header.size() & 0xff));
  out.push_back(static_cast<std::uint8_t>(header.size() >> 8));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

TEST(Npy, EncoderIsByteIdenticalToNumpySave) {
  EXPECT_EQ(encode_npy(NdArray::from_values<float>({2, 3}, std::vector<float>{0, 1, 2, 3, 4, 5})),
            from_hex(kNumpyF4_2x3));
  EXPECT_EQ(encode_npy(NdArray::from_values<std::uint8_t>({3}, std::vector<std::uint8_t>{1, 2, 3})),
            from_hex(kNumpyU1_3));
  EXPECT_EQ(encode_npy(NdArray::from_values<double>({}, std::vector<double>{0.5})), from_hex(kNumpyF8_0d));
  EXPECT_EQ(encode_npy(NdArray(DType::kBool, {2}, Bytes{1, 0})), from_hex(kNumpyBool_2));
}

TEST(Npy, PreambleIsAMultipleOf64ForManyShapes) {
  for (std::int64_t first : {0LL, 1LL, 9LL, 10LL, 123456LL, 1000000000000LL}) {
    for (int ndim = 1; ndim <= 32; ++ndim) {
      if (ndim == 1 && first > 1000) continue;
      // A large first axis is paired with an empty last axis to keep the data small.
      std::vector<std::int64_t> shape(static_cast<std::size_t>(ndim), 1);
      shape[0] = first;
      if (first > 1000) shape.back() = 0;
      const std::size_t bytes = first > 1000 ? 0 : static_cast<std::size_t>(first);
      const Bytes npy = encode_npy(NdArray(DType::kUInt8, shape, Bytes(bytes)));
      const std::size_t header_length = npy[8] | npy[9] << 8;
      EXPECT_EQ((10 + header_length) % 64, 0u) << "first=" << first << " ndim=" << ndim;
      EXPECT_EQ(npy[10 + header_length - 1], '\n');
      const Result<NdArray> back = decode_npy(npy);
      ASSERT_TRUE(back.ok()) << back.error();
      EXPECT_EQ(back.value().shape(), shape);
    }
  }
}

TEST(Npy, DecodesNumpyFiles) {
  const Result<NdArray> a = decode_npy(from_hex(kNumpyF4_2x3));
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_EQ(a.value().dtype(), DType::kFloat32);
  EXPECT_EQ(a.value().shape(), (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(a.value().values<float>(), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  const Result<NdArray> scalar = decode_npy(from_hex(kNumpyF8_0d));
  ASSERT_TRUE(scalar.ok()) << scalar.error();
  EXPECT_EQ(scalar.value().ndim(), 0);
  EXPECT_EQ(scalar.value().values<double>(), (std::vector<double>{0.5}));
}

TEST(Npy, DecoderAcceptsHeaderVariationsNumpyAccepts) {
  const Bytes four(4, 0);
  // Keys in any order, double quotes, no growth padding, trailing comma in the shape, spaces.
  EXPECT_TRUE(decode_npy(npy_with_header("{'shape': (1, 1), 'fortran_order': False, 'descr': '<f4'}", four)).ok());
  EXPECT_TRUE(
      decode_npy(npy_with_header("{\"descr\": \"<i4\", \"fortran_order\": False, \"shape\": (1,)}", four)).ok());
  EXPECT_TRUE(
      decode_npy(npy_with_header("{ 'descr' : '|u1' , 'fortran_order' : False , 'shape' : ( 2 , 2 , ) , }", four))
          .ok());
  // Version 2.0: u32 header length.
  Bytes v2 = from_hex("934e554d5059020040000000");
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
  header.resize(63, ' ');
  header += '\n';
  v2.insert(v2.end(), header.begin(), header.end());
  v2.insert(v2.end(), four.begin(), four.end());
  EXPECT_TRUE(decode_npy(v2).ok()) << decode_npy(v2).error();
}

// Each malformed input must be rejected with a message naming the problem.
void expect_rejected(const Bytes& bytes, std::string_view why) {
  const Result<NdArray> r = decode_npy(bytes);
  ASSERT_FALSE(r.ok()) << "accepted: " << why;
  EXPECT_NE(r.error().find(why), std::string::npos) << "error '" << r.error() << "' does not mention '" << why << "'";
}

TEST(Npy, DecoderRejectsMalformedFiles) {
  const Bytes four(4, 0);
  const std::string good = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
  expect_rejected({}, "too short");
  expect_rejected(from_hex("934e554d5058 0100 0000"), "magic");
  expect_rejected(from_hex("934e554d5059040000000000"), "version 4.0");
  expect_rejected(from_hex("934e554d5059010100000000"), "version 1.1");
  expect_rejected(from_hex("934e554d50590100ff00"), "header length 255");
  expect_rejected(npy_with_header("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", four),
                  "fortran_order True");
  expect_rejected(npy_with_header("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", four),
                  "unsupported dtype '>f4'");
  expect_rejected(npy_with_header("{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }", four),
                  "unsupported dtype");
  expect_rejected(npy_with_header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", four),
                  "structured");
  expect_rejected(npy_with_header("{'descr': '<f4', 'shape': (1,), }", four), "lacks");
  expect_rejected(npy_with_header("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", four),
                  "duplicate");
  expect_rejected(npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", four),
                  "unknown key");
  expect_rejected(npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (1), }", four), "1-tuple");
  expect_rejected(npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }", four), "non-negative");
  expect_rejected(npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (1.5,), }", four), "malformed");
  expect_rejected(npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (9999999999999999999,), }", four),
                  "too many digits");
  expect_rejected(
      npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (999999999999999999, 999999999999999999), }",
                      {}),
      "overflows");
  expect_rejected(npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", four), "needs 8 bytes");
  expect_rejected(npy_with_header(good, Bytes(5)), "needs 4 bytes");  // trailing data
  expect_rejected(npy_with_header(good, Bytes(3)), "needs 4 bytes");  // truncated data
  expect_rejected(npy_with_header(good + " junk", four), "after the header");
  expect_rejected(npy_with_header("{'descr': '<f4', 'fortran_order': Nope, 'shape': (1,), }", four), "True or False");
  expect_rejected(npy_with_header("{'descr': '<f4\\x', 'fortran_order': False, 'shape': (1,), }", four),
                  "dtype string");
  std::string deep = "{'descr': '<u1', 'fortran_order': False, 'shape': (";
  for (int i = 0; i < 33; ++i) deep += "1, ";
  expect_rejected(npy_with_header(deep + "), }", Bytes(1)), "more than 32");
}

}  // namespace
}  // namespace ocres::wire
