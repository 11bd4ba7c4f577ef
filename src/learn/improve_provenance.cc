#include "learn/improve_provenance.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "learn/demo_io.h"

namespace ocres::learn {

namespace {

// SHA-256 constants: the first 32 bits of the fractional parts of the square roots of the first 8
// primes (initial hash) and of the cube roots of the first 64 primes (round constants), computed here
// rather than transcribed; the known-answer tests pin them.
struct Sha256Constants {
  std::array<uint32_t, 8> h0{};
  std::array<uint32_t, 64> k{};
  Sha256Constants() {
    int found = 0;
    for (int n = 2; found < 64; ++n) {
      bool prime = true;
      for (int d = 2; d * d <= n; ++d) prime = prime && n % d != 0;
      if (!prime) continue;
      auto frac32 = [](long double x) { return static_cast<uint32_t>(std::ldexp(x - std::floor(x), 32)); };
      if (found < 8) h0[found] = frac32(std::sqrt(static_cast<long double>(n)));
      k[found++] = frac32(std::cbrt(static_cast<long double>(n)));
    }
  }
};

const Sha256Constants& sha_constants() {
  static const Sha256Constants c;
  return c;
}

inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

class Sha256 {
 public:
  Sha256() : h_(sha_constants().h0) {}
  void update(const unsigned char* p, size_t n) {
    bytes_ += n;
    while (n > 0) {
      const size_t take = std::min(n, block_.size() - fill_);
      std::memcpy(block_.data() + fill_, p, take);
      fill_ += take;
      p += take;
      n -= take;
      if (fill_ == block_.size()) {
        compress();
        fill_ = 0;
      }
    }
  }
  std::string hex() {
    // Padding: 0x80, zeros up to 56 mod 64, then the message length in bits, big-endian.
    const uint64_t bits = bytes_ * 8;
    const unsigned char one = 0x80, zero = 0;
    update(&one, 1);
    while (fill_ != 56) update(&zero, 1);
    unsigned char len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(bits >> (56 - 8 * i));
    update(len, 8);
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (uint32_t w : h_)
      for (int s = 28; s >= 0; s -= 4) out += digits[(w >> s) & 0xF];
    return out;
  }

 private:
  void compress() {
    const auto& K = sha_constants().k;
    uint32_t w[64];
    for (int i = 0; i < 16; ++i)
      w[i] = (uint32_t(block_[4 * i]) << 24) | (uint32_t(block_[4 * i + 1]) << 16) | (uint32_t(block_[4 * i + 2]) << 8) |
             uint32_t(block_[4 * i + 3]);
    for (int i = 16; i < 64; ++i) {
      const uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6], h = h_[7];
    for (int i = 0; i < 64; ++i) {
      const uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
      const uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    h_[0] += a;
    h_[1] += b;
    h_[2] += c;
    h_[3] += d;
    h_[4] += e;
    h_[5] += f;
    h_[6] += g;
    h_[7] += h;
  }

  std::array<uint32_t, 8> h_;
  std::array<unsigned char, 64> block_{};
  size_t fill_ = 0;
  uint64_t bytes_ = 0;
};

nlohmann::json ref_json(const FileRef& r) {
  if (r.path.empty()) return nullptr;
  return {{"path", r.path}, {"sha256", r.sha256}};
}

nlohmann::json parse_object(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  return j.is_object() ? j : nlohmann::json::object();
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  Sha256 s;
  s.update(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return s.hex();
}

std::string sha256_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("cannot read '" + path + "' (to hash it)");
  Sha256 s;
  std::array<char, 1 << 16> buf;
  while (in) {
    in.read(buf.data(), buf.size());
    s.update(reinterpret_cast<const unsigned char*>(buf.data()), static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) throw InputError("error while reading '" + path + "' (to hash it)");
  return s.hex();
}

// The real file behind the path (absolute, symbolic links resolved): a relative path or a link means
// little once the dataset has moved on.
FileRef file_ref(const std::string& path) {
  const std::string hash = sha256_file(path);
  std::error_code ec;
  const std::filesystem::path real = std::filesystem::weakly_canonical(path, ec);
  return {ec ? path : real.string(), hash};
}

std::string rollout_provenance_json(const RolloutProvenance& p) {
  return nlohmann::json{{"kind", "rollouts"},
                        {"task", p.task},
                        {"domain", p.domain},
                        {"base", ref_json(p.base)},
                        {"residual", ref_json(p.residual)},
                        {"collection_seed", p.collection_seed},
                        {"episode_seed", "episode_seed(collection_seed, j), j = 0 .. episodes - 1"},
                        {"episodes", p.episodes},
                        {"kept", p.kept},
                        {"filter", p.filter},
                        {"round", p.round},
                        {"arm", p.arm}}
      .dump();
}

std::string file_provenance_json(const FileRef& file, const std::string& env_args_json) {
  return nlohmann::json{{"kind", "dataset"}, {"path", file.path}, {"sha256", file.sha256}, {"env_args", parse_object(env_args_json)}}
      .dump();
}

std::vector<EpisodeRecord> load_with_provenance(const std::string& path, std::string* env_args) {
  std::string args;
  std::vector<EpisodeRecord> episodes = load_episodes(path, &args);
  std::string fallback;
  for (EpisodeRecord& e : episodes)
    if (e.provenance.empty()) {
      if (fallback.empty()) fallback = file_provenance_json(file_ref(path), args);
      e.provenance = fallback;
    }
  if (env_args) *env_args = args;
  return episodes;
}

std::string dataset_env_args(const std::string& task, const std::string& domain, const std::string& source,
                             const std::vector<EpisodeRecord>& episodes, const std::vector<std::string>& collections) {
  std::vector<std::pair<std::string, int>> distinct;
  for (const EpisodeRecord& e : episodes) {
    auto it = std::find_if(distinct.begin(), distinct.end(), [&](const auto& d) { return d.first == e.provenance; });
    if (it == distinct.end())
      distinct.emplace_back(e.provenance, 1);
    else
      ++it->second;
  }
  nlohmann::json sources = nlohmann::json::array();
  for (const auto& [prov, count] : distinct)
    sources.push_back({{"provenance", prov.empty() ? nlohmann::json(nullptr) : parse_object(prov)}, {"episodes", count}});
  nlohmann::json j{{"task", task},
                   {"domain", domain},
                   {"version", "0.1.0"},
                   {"source", source},
                   {"action", "absolute TCP target, base frame: position (m), quaternion (w x y z), gripper width (m)"},
                   {"control_hz", 20},
                   {"episodes", episodes.size()},
                   {"sources", sources}};
  if (!collections.empty()) {
    j["collections"] = nlohmann::json::array();
    for (const std::string& c : collections) j["collections"].push_back(parse_object(c));
  }
  return j.dump();
}

DatasetTaskDomain dataset_task_domain(const std::string& env_args_json, const std::string& path) {
  const nlohmann::json j = nlohmann::json::parse(env_args_json, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("task") || !j["task"].is_string())
    throw InputError("'" + path + "': /data env_args names no task");
  if (!j.contains("domain") || !j["domain"].is_string()) throw InputError("'" + path + "': /data env_args names no domain");
  return {j["task"].get<std::string>(), j["domain"].get<std::string>()};
}

int merge_datasets(const std::vector<std::string>& inputs, const std::string& out) {
  if (inputs.empty()) throw InputError("nothing to merge: no input dataset");
  // Pass 1 (no images): validate every input and collect the provenance for env_args, which the
  // writer needs first. Pass 2 streams the episodes, images included, one at a time.
  std::vector<EpisodeRecord> headers;
  std::vector<std::string> fallbacks;  // per input: provenance of its episodes that have none
  DatasetTaskDomain first;
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::string args;
    std::vector<EpisodeRecord> episodes = load_with_provenance(inputs[i], &args);
    const DatasetTaskDomain td = dataset_task_domain(args, inputs[i]);
    if (i == 0) first = td;
    if (td.task != first.task)
      throw InputError("'" + inputs[i] + "' holds episodes of task '" + td.task + "', '" + inputs[0] + "' of '" + first.task + "'");
    if (td.domain != first.domain)
      throw InputError("'" + inputs[i] + "' was recorded in domain '" + td.domain + "', '" + inputs[0] + "' in '" + first.domain +
                       "': a dataset holds one domain's observations");
    fallbacks.push_back(file_provenance_json(file_ref(inputs[i]), args));
    for (EpisodeRecord& e : episodes) {
      EpisodeRecord h;
      h.provenance = std::move(e.provenance);
      headers.push_back(std::move(h));
    }
  }
  EpisodeWriter writer(out, dataset_env_args(first.task, first.domain, "merge", headers));
  for (size_t i = 0; i < inputs.size(); ++i)
    read_episodes(inputs[i], /*images=*/true, [&](EpisodeRecord&& e) {
      if (e.provenance.empty()) e.provenance = fallbacks[i];
      writer.add(e);
    });
  writer.close();
  return writer.count();
}

}  // namespace ocres::learn
