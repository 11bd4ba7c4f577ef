#include "policy/network_io.h"

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace ocres::policy {

std::string mlp_config_json(const MlpConfig& c) {
  return nlohmann::json{{"input_dim", c.input_dim}, {"hidden", c.hidden}, {"output_dim", c.output_dim},
                        {"layer_norm", c.layer_norm}, {"tanh_output", c.tanh_output}, {"activation", "relu"}}
      .dump();
}

MlpConfig mlp_config_from_json(const std::string& text, const std::string& context) {
  try {
    const auto j = nlohmann::json::parse(text);
    MlpConfig c;
    c.input_dim = j.at("input_dim").get<int>();
    c.hidden = j.at("hidden").get<std::vector<int>>();
    c.output_dim = j.at("output_dim").get<int>();
    c.layer_norm = j.at("layer_norm").get<bool>();
    c.tanh_output = j.at("tanh_output").get<bool>();
    if (c.input_dim <= 0 || c.output_dim <= 0) throw InputError(context + ": bad network dimensions");
    for (int h : c.hidden)
      if (h <= 0 || h > 65536) throw InputError(context + ": bad hidden width " + std::to_string(h));
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(context + ": malformed network metadata: " + e.what());
  }
}

void put_mlp(io::TensorFile& file, const std::string& prefix, Mlp& net) {
  for (const auto& p : net.params()) {
    io::Tensor t;
    t.shape = p.shape;
    t.values.resize(p.size);
    if (p.shape.size() == 2) {
      // Eigen stores W column-major; PyTorch's Linear weight is [out, in] row-major.
      const int64_t rows = p.shape[0], cols = p.shape[1];
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) t.values[r * cols + c] = p.value[c * rows + r];
    } else {
      std::copy(p.value, p.value + p.size, t.values.begin());
    }
    file.tensors[prefix + p.name] = std::move(t);
  }
  file.metadata[prefix + "mlp"] = mlp_config_json(net.config());
}

void load_into(const io::TensorFile& file, const std::string& prefix, Mlp& net, const std::string& context) {
  for (const auto& p : net.params()) {
    const auto it = file.tensors.find(prefix + p.name);
    if (it == file.tensors.end()) throw InputError(context + ": missing tensor '" + prefix + p.name + "'");
    if (it->second.shape != p.shape) {
      std::string want, got;
      for (auto d : p.shape) want += std::to_string(d) + " ";
      for (auto d : it->second.shape) got += std::to_string(d) + " ";
      throw InputError(context + ": tensor '" + prefix + p.name + "' has shape [" + got + "], the network expects [" + want + "]");
    }
    const auto& v = it->second.values;
    if (p.shape.size() == 2) {
      const int64_t rows = p.shape[0], cols = p.shape[1];
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) p.value[c * rows + r] = v[r * cols + c];
    } else {
      std::copy(v.begin(), v.end(), p.value);
    }
  }
}

Mlp get_mlp(const io::TensorFile& file, const std::string& prefix, const std::string& context) {
  const auto it = file.metadata.find(prefix + "mlp");
  if (it == file.metadata.end()) throw InputError(context + ": no network '" + prefix + "' in this file");
  Mlp net(mlp_config_from_json(it->second, context), 0);
  load_into(file, prefix, net, context);
  return net;
}

const std::vector<float>& tensor_values(const io::TensorFile& file, const std::string& name, const std::string& context) {
  const auto it = file.tensors.find(name);
  if (it == file.tensors.end()) throw InputError(context + ": checkpoint lacks '" + name + "'");
  return it->second.values;
}

void put_adam(io::TensorFile& file, const std::string& prefix, Adam& opt) {
  for (size_t i = 0; i < opt.first_moments().size(); ++i) {
    const auto& m = opt.first_moments()[i];
    const auto& v = opt.second_moments()[i];
    file.tensors[prefix + "m." + std::to_string(i)] = io::Tensor{{static_cast<int64_t>(m.size())}, m};
    file.tensors[prefix + "v." + std::to_string(i)] = io::Tensor{{static_cast<int64_t>(v.size())}, v};
  }
  file.metadata[prefix + "steps"] = std::to_string(opt.steps());
}

void load_adam_into(const io::TensorFile& file, const std::string& prefix, Adam& opt, const std::string& context) {
  for (size_t i = 0; i < opt.first_moments().size(); ++i) {
    const auto& m = tensor_values(file, prefix + "m." + std::to_string(i), context);
    const auto& v = tensor_values(file, prefix + "v." + std::to_string(i), context);
    if (m.size() != opt.first_moments()[i].size() || v.size() != m.size())
      throw InputError(context + ": optimiser state does not match the network");
    opt.first_moments()[i] = m;
    opt.second_moments()[i] = v;
  }
  const auto it = file.metadata.find(prefix + "steps");
  if (it == file.metadata.end()) throw InputError(context + ": checkpoint lacks '" + prefix + "steps'");
  try {
    opt.set_steps(std::stoll(it->second));
  } catch (const std::exception&) {
    throw InputError(context + ": malformed '" + prefix + "steps'");
  }
}

}  // namespace ocres::policy
