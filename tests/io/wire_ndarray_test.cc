#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "io/ndarray.h"

namespace ocres::wire {
namespace {

TEST(DType, DescrRoundTripsForEveryDType) {
  for (DType dtype :
       {DType::kBool, DType::kUInt8, DType::kInt8, DType::kUInt16, DType::kInt16, DType::kUInt32, DType::kInt32,
        DType::kUInt64, DType::kInt64, DType::kFloat16, DType::kFloat32, DType::kFloat64}) {
    const std::optional<DType> parsed = dtype_from_descr(dtype_descr(dtype));
    ASSERT_TRUE(parsed.has_value()) << dtype_descr(dtype);
    EXPECT_EQ(*parsed, dtype);
    EXPECT_EQ(dtype_itemsize(dtype), static_cast<std::size_t>(dtype_descr(dtype)[2] - '0'));
  }
}

TEST(DType, AcceptsNumpySpellingsAndRejectsBigEndianAndUnsupportedTypes) {
  EXPECT_EQ(dtype_from_descr("|u1"), DType::kUInt8);
  EXPECT_EQ(dtype_from_descr("<u1"), DType::kUInt8);  // unambiguous for one-byte types
  EXPECT_EQ(dtype_from_descr("|b1"), DType::kBool);
  EXPECT_EQ(dtype_from_descr("<f4"), DType::kFloat32);
  EXPECT_FALSE(dtype_from_descr(">f4"));  // big-endian
  EXPECT_FALSE(dtype_from_descr("|f4"));  // '|' only for one-byte types
  EXPECT_FALSE(dtype_from_descr("=f4"));
  EXPECT_FALSE(dtype_from_descr("<c8"));   // complex
  EXPECT_FALSE(dtype_from_descr("<U10"));  // unicode string
  EXPECT_FALSE(dtype_from_descr("|O"));    // object
  EXPECT_FALSE(dtype_from_descr("<f3"));
  EXPECT_FALSE(dtype_from_descr(""));
  EXPECT_FALSE(dtype_from_descr("<f4 "));
}

TEST(NdArray, FromValuesKeepsShapeDtypeAndLittleEndianBytes) {
  const NdArray a = NdArray::from_values<float>({1, 2}, std::vector<float>{1.0f, 2.0f});
  EXPECT_EQ(a.dtype(), DType::kFloat32);
  EXPECT_EQ(a.shape(), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(a.size(), 2);
  EXPECT_EQ(a.data(), (Bytes{0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x40}));
  EXPECT_EQ(a.values<float>(), (std::vector<float>{1.0f, 2.0f}));
}

TEST(NdArray, ZeroDimensionalArrayHoldsOneElementAndEmptyShapesHoldNone) {
  const NdArray scalar = NdArray::from_values<double>({}, std::vector<double>{0.5});
  EXPECT_EQ(scalar.ndim(), 0);
  EXPECT_EQ(scalar.size(), 1);
  const NdArray empty(DType::kInt32, {3, 0, 5}, {});
  EXPECT_EQ(empty.size(), 0);
  EXPECT_EQ(NdArray().size(), 0);
}

TEST(NdArray, ConstructorRejectsShapeThatDisagreesWithData) {
  EXPECT_THROW(NdArray(DType::kFloat32, {2, 2}, Bytes(12)), InputError);
  EXPECT_THROW(NdArray(DType::kFloat32, {-1}, Bytes(4)), InputError);
  EXPECT_THROW(NdArray::from_values<float>({3}, std::vector<float>{1.0f, 2.0f}), InputError);
  EXPECT_FALSE(NdArray::create(DType::kUInt8, {2}, Bytes(3)).ok());
  EXPECT_TRUE(NdArray::create(DType::kUInt8, {3}, Bytes(3)).ok());
}

TEST(NdArray, LayoutCheckCatchesOverflowAndTooManyDimensions) {
  const std::int64_t huge = std::int64_t{1} << 62;
  EXPECT_NE(check_array_layout(DType::kUInt8, std::vector<std::int64_t>{huge, huge}, 0), "");
  EXPECT_NE(check_array_layout(DType::kFloat64, std::vector<std::int64_t>{huge}, 0), "");     // bytes overflow
  EXPECT_EQ(check_array_layout(DType::kFloat64, std::vector<std::int64_t>{huge, 0}, 0), "");  // empty is fine
  EXPECT_NE(check_array_layout(DType::kUInt8, std::vector<std::int64_t>(33, 1), 1), "");
  EXPECT_EQ(check_array_layout(DType::kUInt8, std::vector<std::int64_t>(32, 1), 1), "");
}

TEST(NdArray, ToF64ConvertsEveryDType) {
  const bool flags[] = {true, false};  // (std::vector<bool> has no contiguous storage)
  EXPECT_EQ(NdArray::from_values<bool>({2}, std::span<const bool>(flags)).to_f64(), (std::vector<double>{1.0, 0.0}));
  EXPECT_EQ(NdArray::from_values<std::uint8_t>({2}, std::vector<std::uint8_t>{0, 255}).to_f64(),
            (std::vector<double>{0, 255}));
  EXPECT_EQ(NdArray::from_values<std::int8_t>({2}, std::vector<std::int8_t>{-128, 127}).to_f64(),
            (std::vector<double>{-128, 127}));
  EXPECT_EQ(NdArray::from_values<std::uint16_t>({1}, std::vector<std::uint16_t>{65535}).to_f64(),
            (std::vector<double>{65535}));
  EXPECT_EQ(NdArray::from_values<std::int16_t>({1}, std::vector<std::int16_t>{-32768}).to_f64(),
            (std::vector<double>{-32768}));
  EXPECT_EQ(NdArray::from_values<std::uint32_t>({1}, std::vector<std::uint32_t>{4294967295u}).to_f64(),
            (std::vector<double>{4294967295.0}));
  EXPECT_EQ(NdArray::from_values<std::int32_t>({1}, std::vector<std::int32_t>{-7}).to_f64(), (std::vector<double>{-7}));
  EXPECT_EQ(NdArray::from_values<std::uint64_t>({1}, std::vector<std::uint64_t>{1ull << 40}).to_f64(),
            (std::vector<double>{0x1p40}));
  EXPECT_EQ(NdArray::from_values<std::int64_t>({1}, std::vector<std::int64_t>{-(1ll << 40)}).to_f64(),
            (std::vector<double>{-0x1p40}));
  EXPECT_EQ(NdArray::from_values<float>({1}, std::vector<float>{0.25f}).to_f64(), (std::vector<double>{0.25}));
  EXPECT_EQ(NdArray::from_values<double>({1}, std::vector<double>{-1e300}).to_f64(), (std::vector<double>{-1e300}));
}

TEST(NdArray, Float16DecodesNormalsSubnormalsAndSpecials) {
  // Little-endian half-precision bit patterns, values from the IEEE 754 binary16 table.
  const std::vector<std::uint16_t> bits = {0x3c00, 0xc000, 0x7bff, 0x0001, 0x0400,
                                           0x8000, 0x7c00, 0xfc00, 0x7e00, 0x3555};
  Bytes data(bits.size() * 2);
  std::memcpy(data.data(), bits.data(), data.size());
  const std::vector<double> v = NdArray(DType::kFloat16, {static_cast<std::int64_t>(bits.size())}, data).to_f64();
  EXPECT_EQ(v[0], 1.0);
  EXPECT_EQ(v[1], -2.0);
  EXPECT_EQ(v[2], 65504.0);
  EXPECT_EQ(v[3], 0x1p-24);  // smallest subnormal
  EXPECT_EQ(v[4], 0x1p-14);  // smallest normal
  EXPECT_TRUE(v[5] == 0.0 && std::signbit(v[5]));
  EXPECT_EQ(v[6], std::numeric_limits<double>::infinity());
  EXPECT_EQ(v[7], -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(v[8]));
  EXPECT_NEAR(v[9], 1.0 / 3.0, 1e-3);
}

TEST(NdArray, DescribeNamesDtypeAndShape) {
  EXPECT_EQ(describe(NdArray(DType::kUInt8, {224, 224, 3}, Bytes(224 * 224 * 3))), "uint8[224,224,3]");
  EXPECT_EQ(describe(NdArray::from_values<double>({}, std::vector<double>{1.0})), "float64[]");
}

}  // namespace
}  // namespace ocres::wire
