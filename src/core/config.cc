#include "core/config.h"

#include <cmath>
#include <fstream>
#include <sstream>

namespace ocres {

YAML::Node load_yaml_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw InputError("cannot open config file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  return load_yaml_string(ss.str(), path);
}

YAML::Node load_yaml_string(const std::string& text, const std::string& context) {
  try {
    YAML::Node n = YAML::Load(text);
    if (n.IsNull()) return YAML::Node(YAML::NodeType::Map);
    if (!n.IsMap()) throw InputError(context + ": expected a YAML map at the top level");
    return n;
  } catch (const YAML::Exception& e) {
    throw InputError(context + ": malformed YAML: " + e.what());
  }
}

YamlFields::YamlFields(const YAML::Node& node, std::string context)
    : node_(node), context_(std::move(context)) {
  if (node_ && !node_.IsNull() && !node_.IsMap())
    throw InputError(context_ + ": expected a map, got '" + dump(node_) + "'");
}

std::string YamlFields::dump(const YAML::Node& n) {
  YAML::Emitter e;
  e << YAML::Flow << n;
  return e.c_str();
}

void YamlFields::get_in_range(const char* key, double& out, double lo, double hi) {
  get(key, out);
  if (!std::isfinite(out) || out < lo || out > hi) {
    std::ostringstream os;
    os << context_ << ": field '" << key << "' = " << out << " is out of range [" << lo << ", " << hi << "]";
    throw InputError(os.str());
  }
}

void YamlFields::get_in_range(const char* key, int& out, int lo, int hi) {
  get(key, out);
  if (out < lo || out > hi) {
    std::ostringstream os;
    os << context_ << ": field '" << key << "' = " << out << " is out of range [" << lo << ", " << hi << "]";
    throw InputError(os.str());
  }
}

void YamlFields::get_in_range(const char* key, int64_t& out, double lo, double hi) {
  double v = static_cast<double>(out);
  get_in_range(key, v, lo, hi);
  out = static_cast<int64_t>(std::llround(v));
}

void YamlFields::get_in_range(const char* key, uint64_t& out, double lo, double hi) {
  double v = static_cast<double>(out);
  get_in_range(key, v, lo, hi);
  out = static_cast<uint64_t>(std::llround(v));
}

void YamlFields::get_int_list(const char* key, std::vector<int>& out, int lo, int hi) {
  get(key, out);
  for (int v : out) {
    if (v < lo || v > hi) {
      std::ostringstream os;
      os << context_ << ": field '" << key << "' has value " << v << " out of range [" << lo << ", " << hi << "]";
      throw InputError(os.str());
    }
  }
}

void YamlFields::get_vector(const char* key, std::vector<double>& out, size_t size, double lo, double hi) {
  get(key, out);
  if (out.size() != size) {
    std::ostringstream os;
    os << context_ << ": field '" << key << "' needs " << size << " numbers, got " << out.size();
    throw InputError(os.str());
  }
  for (double v : out) {
    if (!std::isfinite(v) || v < lo || v > hi) {
      std::ostringstream os;
      os << context_ << ": field '" << key << "' has value " << v << " out of range [" << lo << ", " << hi << "]";
      throw InputError(os.str());
    }
  }
}

YamlFields YamlFields::child(const char* key) {
  used_.insert(key);
  YAML::Node c = node_[key];
  if (!c) c = YAML::Node(YAML::NodeType::Map);
  return YamlFields(c, context_ + ": " + key);
}

void YamlFields::finish() const {
  if (!node_ || !node_.IsMap()) return;
  for (const auto& kv : node_) {
    const std::string k = kv.first.as<std::string>();
    if (!used_.count(k)) throw InputError(context_ + ": unknown field '" + k + "'");
  }
}

}  // namespace ocres
