#pragma once
// The image test pattern shared with the Python peers (tests/io/peers/image_checks.py): byte i of a
// C-order uint8 array is (31 i + 7 seed) mod 251, so every byte position differs from its neighbours
// and a transposed, shifted or truncated image cannot match.
#include <cstdint>
#include <vector>

namespace ocres::deploy::testing {

inline std::vector<uint8_t> image_pattern(size_t bytes, int seed) {
  std::vector<uint8_t> v(bytes);
  for (size_t i = 0; i < bytes; ++i) v[i] = static_cast<uint8_t>((31 * static_cast<uint64_t>(i) + 7 * static_cast<uint64_t>(seed)) % 251);
  return v;
}

}  // namespace ocres::deploy::testing
