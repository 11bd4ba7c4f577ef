// Fuzzing the decoders with deterministic random and mutated inputs: every input must give a value or
// an error -- no crash, no sanitizer report (see the ASan/UBSan build of this test in wire.cmake), and no
// allocation larger than the input justifies.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <new>

#include "core/rng.h"
#include "io/msgpack_value.h"
#include "io/npy.h"

// --- Allocation watch: the largest single allocation while armed -------------------------------------
// Replacing the global operator new is how this binary proves "never a huge allocation"; it only records
// sizes and otherwise behaves as the default (malloc, std::bad_alloc on failure).
namespace {
bool g_watch_armed = false;
std::size_t g_largest_allocation = 0;
}  // namespace

void* operator new(std::size_t size) {
  if (g_watch_armed && size > g_largest_allocation) g_largest_allocation = size;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// noinline: inlined into std::allocator, GCC 12 pairs the caller's `new` with this `free` and reports
// -Wmismatched-new-delete, a false positive for replacement operators that are malloc/free based.
[[gnu::noinline]] void operator delete(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace ocres::wire {
namespace {

// Each decoder sees this many inputs (fewer in the sanitized build, which runs ~10x slower).
#ifndef OCRES_WIRE_FUZZ_INPUTS
#define OCRES_WIRE_FUZZ_INPUTS 110000
#endif
constexpr int kInputsPerDecoder = OCRES_WIRE_FUZZ_INPUTS;

// Valid messages of both conventions to mutate.
std::vector<Bytes> seeds() {
  std::vector<Bytes> out;
  const NdArray image(DType::kUInt8, {4, 4, 3}, Bytes(48, 17));
  const NdArray joints =
      NdArray::from_values<float>({7}, std::vector<float>{0.1f, -0.2f, 0.3f, -0.4f, 0.5f, 0.6f, 0.7f});
  const NdArray actions = NdArray::from_values<double>({3, 8}, std::vector<double>(24, 0.25));
  const Map observation{{"observation/exterior_image_1_left", image},
                        {"observation/joint_position", joints},
                        {"observation/gripper_position", NdArray::from_values<float>({1}, std::vector<float>{1.0f})},
                        {"prompt", "put the cube in the bowl"}};
  const Map reply{{"actions", actions},
                  {"server_timing", Map{{"infer_ms", 12.5}, {"prev_total_ms", 40.25}}},
                  {"policy_timing", Map{{"infer_ms", 10.0}}}};
  const Map gr00t_reply{{"action.single_arm", NdArray::from_values<float>({16, 7}, std::vector<float>(112, 0.5f))},
                        {"action.gripper", NdArray::from_values<float>({16, 1}, std::vector<float>(16, 1.0f))}};
  const Map gr00t_request{
      {"endpoint", "get_action"},
      {"data", Map{{"video.ego", NdArray(DType::kUInt8, {1, 2, 2, 3}, Bytes(12, 3))},
                   {"state.single_arm", NdArray::from_values<double>({1, 7}, std::vector<double>(7, 0.1))},
                   {"annotation.human.task_description", Array{"stack the blocks"}}}},
      {"api_token", "secret"}};
  for (ArrayStyle style : {ArrayStyle::kOpenpi, ArrayStyle::kGr00t}) {
    out.push_back(encode(Value(observation), style));
    out.push_back(encode(Value(reply), style));
    out.push_back(encode(Value(gr00t_reply), style));
    out.push_back(encode(Value(gr00t_request), style));
  }
  out.push_back(
      encode(Value(Array{-1, 300, 70000, 5000000000LL, 1.5, Bytes(40, 1), std::string(40, 'x'), Value(), true}),
             ArrayStyle::kOpenpi));
  out.push_back(encode_npy(actions));
  out.push_back(encode_npy(image));
  out.push_back(encode_npy(NdArray::from_values<double>({}, std::vector<double>{1.0})));
  return out;
}

// Bytes the decoders treat specially: container/length tags, the reserved byte, boundary lengths.
constexpr std::uint8_t kInteresting[] = {0x00, 0x01, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc3,
                                         0xc4, 0xc5, 0xc6, 0xca, 0xcb, 0xcf, 0xd3, 0xd9, 0xdb, 0xdc, 0xdd, 0xde,
                                         0xdf, 0xe0, 0xff, '(',  ')',  ',',  '\'', '{',  '}',  '1',  '9',  '-'};

Bytes mutate(const std::vector<Bytes>& corpus, Rng& rng) {
  const Bytes& base = corpus[rng.uniform_int(corpus.size())];
  Bytes b = base;
  const int kind = static_cast<int>(rng.uniform_int(7));
  const auto pos = [&](std::size_t n) { return n == 0 ? 0 : rng.uniform_int(n); };
  switch (kind) {
    case 0:  // bit flips
      for (int i = 0, n = 1 + static_cast<int>(rng.uniform_int(8)); i < n && !b.empty(); ++i) {
        b[pos(b.size())] ^= static_cast<std::uint8_t>(1u << rng.uniform_int(8));
      }
      break;
    case 1:  // interesting bytes
      for (int i = 0, n = 1 + static_cast<int>(rng.uniform_int(4)); i < n && !b.empty(); ++i) {
        b[pos(b.size())] = kInteresting[rng.uniform_int(std::size(kInteresting))];
      }
      break;
    case 2:  // truncation
      b.resize(pos(b.size() + 1));
      break;
    case 3: {  // splice: a prefix of one message and a suffix of another
      const Bytes& other = corpus[rng.uniform_int(corpus.size())];
      const std::size_t cut = pos(b.size() + 1);
      const std::size_t from = pos(other.size() + 1);
      b.resize(cut);
      b.insert(b.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
      break;
    }
    case 4:  // insert or delete a run of bytes
      if (rng.bernoulli(0.5) && !b.empty()) {
        const std::size_t at = pos(b.size());
        const std::size_t n = std::min<std::size_t>(1 + rng.uniform_int(16), b.size() - at);
        b.erase(b.begin() + static_cast<std::ptrdiff_t>(at), b.begin() + static_cast<std::ptrdiff_t>(at + n));
      } else {
        const std::size_t at = pos(b.size() + 1);
        Bytes run(1 + rng.uniform_int(16));
        for (std::uint8_t& x : run) x = static_cast<std::uint8_t>(rng.next_u64());
        b.insert(b.begin() + static_cast<std::ptrdiff_t>(at), run.begin(), run.end());
      }
      break;
    case 5:  // overwrite a big-endian length field with a large value
      if (b.size() >= 5) {
        const std::size_t at = pos(b.size() - 4);
        const std::uint32_t v = rng.bernoulli(0.5) ? 0xffffffffu : static_cast<std::uint32_t>(rng.next_u64());
        for (int i = 0; i < 4; ++i) b[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
      }
      break;
    default: {  // pure noise, often starting with a container tag
      b.assign(rng.uniform_int(64), 0);
      for (std::uint8_t& x : b) x = static_cast<std::uint8_t>(rng.next_u64());
      if (!b.empty() && rng.bernoulli(0.5)) b[0] = kInteresting[rng.uniform_int(std::size(kInteresting))];
      break;
    }
  }
  return b;
}

// What a client does with a reply: decode, then read every array and number it holds.
std::size_t consume(const Value& v) {
  std::size_t touched = 1;
  if (const NdArray* a = v.get_if<NdArray>()) {
    for (double x : a->to_f64()) touched += x == 0.0 ? 0 : 1;
  } else if (const Array* list = v.get_if<Array>()) {
    for (const Value& e : *list) touched += consume(e);
  } else if (const Map* map = v.get_if<Map>()) {
    if (const Value* error = map->find("error")) touched += error->get_if<std::string>() != nullptr;
    for (const MapEntry& e : *map) touched += consume(e.value);
  } else if (v.number()) {
    ++touched;
  }
  return touched;
}

class DecoderFuzz : public ::testing::Test {
 protected:
  void SetUp() override { corpus_ = seeds(); }
  // A decoder may keep the input and ~200 bytes per decoded value; it must never ask for more than that
  // in one block, whatever lengths the input declares.
  void expect_bounded_allocation(std::size_t input_size, const char* decoder) {
    const std::size_t bound = 1024 + 256 * input_size;
    EXPECT_LE(g_largest_allocation, bound) << decoder << " allocated " << g_largest_allocation
                                           << " bytes in one block for a " << input_size << "-byte input";
  }
  std::vector<Bytes> corpus_;
};

TEST_F(DecoderFuzz, MutatedAndRandomInputsNeverCrashOrOverAllocate) {
  for (const Bytes& seed : corpus_) {
    const bool is_npy = seed.size() > 6 && seed[0] == 0x93;
    ASSERT_TRUE(is_npy ? decode_npy(seed).ok() : decode(seed).ok()) << "seeds must be valid";
  }
  Rng rng(20240917, 1);
  std::size_t accepted[3] = {0, 0, 0};
  std::size_t touched = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kInputsPerDecoder; ++i) {
    const Bytes input = mutate(corpus_, rng);

    g_largest_allocation = 0;
    g_watch_armed = true;
    const Result<Value> message = decode(input);
    g_watch_armed = false;
    expect_bounded_allocation(input.size(), "decode");
    if (message.ok()) {
      ++accepted[0];
      touched += consume(message.value());
    } else {
      ASSERT_FALSE(message.error().empty());
    }

    g_largest_allocation = 0;
    g_watch_armed = true;
    const Result<NdArray> npy = decode_npy(input);
    g_watch_armed = false;
    expect_bounded_allocation(input.size(), "decode_npy");
    if (npy.ok()) {
      ++accepted[1];
      touched += npy.value().to_f64().size();
    }

    // An npy file inside a GR00T array map, as the full reply path sees it.
    Bytes wrapped = encode(Value(Map{{"__ndarray_class__", true}, {"as_npy", input}}), ArrayStyle::kOpenpi);
    const Result<Value> reply = decode(wrapped);
    if (reply.ok()) ++accepted[2];
    if (HasFatalFailure()) return;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Some mutations keep messages valid; most must be rejected. Both outcomes must occur.
  EXPECT_GT(accepted[0], 100u);
  EXPECT_LT(accepted[0], static_cast<std::size_t>(kInputsPerDecoder));
  EXPECT_GT(accepted[1], 10u);
  EXPECT_GT(touched, 0u);
  RecordProperty("inputs", 3 * kInputsPerDecoder);
  RecordProperty("seconds", std::to_string(seconds));
  std::printf("[fuzz] %d inputs x 3 decoders in %.2f s; accepted msgpack %zu, npy %zu, wrapped npy %zu\n",
              kInputsPerDecoder, seconds, accepted[0], accepted[1], accepted[2]);
}

TEST_F(DecoderFuzz, HugeDeclaredLengthsAreRejectedWithoutAllocating) {
  const std::vector<Bytes> bombs = {{0xdd, 0xff, 0xff, 0xff, 0xff},
                                    {0xdf, 0xff, 0xff, 0xff, 0xff},
                                    {0xc6, 0xff, 0xff, 0xff, 0xff},
                                    {0xdb, 0xff, 0xff, 0xff, 0xff},
                                    {0x91, 0xdd, 0x00, 0x01, 0x00, 0x00, 0x00}};
  for (const Bytes& bomb : bombs) {
    g_largest_allocation = 0;
    g_watch_armed = true;
    const Result<Value> r = decode(bomb);
    g_watch_armed = false;
    EXPECT_FALSE(r.ok());
    EXPECT_LT(g_largest_allocation, 4096u);
  }
}

}  // namespace
}  // namespace ocres::wire
