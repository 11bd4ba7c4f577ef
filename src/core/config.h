#pragma once
// Plain config structs are filled from YAML through YamlFields, which (1) keeps each field's default
// when the key is absent, (2) names the file, key and bad value in every error, and (3) rejects keys it
// does not know, so a typo never silently falls back to a default.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"

namespace ocres {

// Loads a YAML file; throws InputError (with the path) if it is missing or malformed.
YAML::Node load_yaml_file(const std::string& path);
// Parses YAML text; `context` names the source in errors.
YAML::Node load_yaml_string(const std::string& text, const std::string& context);

class YamlFields {
 public:
  YamlFields(const YAML::Node& node, std::string context);

  // Reads an optional scalar/sequence field into `out` (kept unchanged when absent).
  template <class T>
  void get(const char* key, T& out) {
    used_.insert(key);
    const YAML::Node v = node_[key];
    if (!v) return;
    try {
      out = v.as<T>();
    } catch (const YAML::Exception&) {
      throw InputError(context_ + ": field '" + key + "' has malformed value '" + dump(v) + "'");
    }
  }
  // Like get() for a number, then checks lo <= out <= hi.
  void get_in_range(const char* key, double& out, double lo, double hi);
  void get_in_range(const char* key, int& out, int lo, int hi);
  // Counts and seeds, which YAML files often write as 6e6: read as a number, checked, then rounded.
  void get_in_range(const char* key, int64_t& out, double lo, double hi);
  void get_in_range(const char* key, uint64_t& out, double lo, double hi);
  // A list of integers of any length (e.g. hidden layer widths), each checked against [lo, hi].
  void get_int_list(const char* key, std::vector<int>& out, int lo, int hi);
  // A fixed-size vector of numbers; each element checked against [lo, hi].
  void get_vector(const char* key, std::vector<double>& out, size_t size, double lo, double hi);

  bool has(const char* key) const { return static_cast<bool>(node_[key]); }
  // A nested map; absent -> an empty map (defaults kept).
  YamlFields child(const char* key);
  const std::string& context() const { return context_; }

  // Throws InputError if the node has keys that were never asked for.
  void finish() const;

 private:
  static std::string dump(const YAML::Node& n);
  YAML::Node node_;
  std::string context_;
  std::set<std::string> used_;
};

}  // namespace ocres
