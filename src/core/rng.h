#pragma once
// Deterministic random numbers. Every draw in ocres comes from an Rng constructed from the run seed and
// a stream id (env index, purpose), so results do not depend on thread count or scheduling.
// xoshiro256** seeded by splitmix64; our own uniform/normal so results do not depend on the standard
// library's distribution implementations.
#include <array>
#include <cmath>
#include <cstdint>

namespace ocres {

inline uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Mixes several integers into one seed, e.g. derive_seed(run_seed, env_index, purpose).
inline uint64_t derive_seed(uint64_t a, uint64_t b = 0, uint64_t c = 0) {
  uint64_t x = a;
  uint64_t h = splitmix64(x);
  x = h ^ (b + 0x632BE59BD9B4E019ull);
  h = splitmix64(x);
  x = h ^ (c + 0x85157AF5ull);
  return splitmix64(x);
}

// The seed of episode j of a run with seed S (rollouts, demos, evaluation, training): the same (S, j)
// gives the same episode whatever the thread count or order in which episodes run.
inline uint64_t episode_seed(uint64_t run_seed, int episode_index) {
  return derive_seed(run_seed, static_cast<uint64_t>(episode_index), 0xE915);
}

class Rng {
 public:
  explicit Rng(uint64_t seed = 0, uint64_t stream = 0) { reseed(seed, stream); }

  void reseed(uint64_t seed, uint64_t stream = 0) {
    uint64_t x = derive_seed(seed, stream);
    for (auto& s : s_) s = splitmix64(x);
  }

  uint64_t next_u64() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n).
  uint64_t uniform_int(uint64_t n) { return n == 0 ? 0 : next_u64() % n; }
  bool bernoulli(double p) { return uniform() < p; }

  // Standard normal by Box-Muller (one value per call; the pair's second value is discarded so the
  // stream position does not depend on call history parity).
  double normal() {
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
  }
  double normal(double mean, double stddev) { return mean + stddev * normal(); }

  // Raw state, for checkpoints of resumable runs.
  std::array<uint64_t, 4> state() const { return {s_[0], s_[1], s_[2], s_[3]}; }
  void set_state(const std::array<uint64_t, 4>& s) {
    for (int i = 0; i < 4; ++i) s_[i] = s[i];
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace ocres
