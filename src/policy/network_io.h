#pragma once
// Saving networks as safetensors with their architecture in the metadata ("ocres.mlp" JSON), so a
// PyTorch user can rebuild the module and load_state_dict, and so loading a file into a mismatched
// architecture fails with a clear error.
#include <map>
#include <string>

#include "io/safetensors.h"
#include "policy/network.h"
#include "policy/optimizer.h"

namespace ocres::policy {

std::string mlp_config_json(const MlpConfig& c);
MlpConfig mlp_config_from_json(const std::string& json, const std::string& context);

// Adds the network's tensors under `prefix` (e.g. "actor.") and its config under metadata
// "<prefix>mlp" to `file`.
void put_mlp(io::TensorFile& file, const std::string& prefix, Mlp& net);
// Builds a network from `file` (architecture from metadata, weights from tensors).
Mlp get_mlp(const io::TensorFile& file, const std::string& prefix, const std::string& context);
// Loads tensors into an existing network; throws InputError naming any mismatch.
void load_into(const io::TensorFile& file, const std::string& prefix, Mlp& net, const std::string& context);

// Training checkpoints: an Adam state (moments per parameter tensor, step count) under `prefix`.
void put_adam(io::TensorFile& file, const std::string& prefix, Adam& opt);
// Restores a state saved by put_adam into an optimiser of the same network; throws InputError on a
// missing or mis-sized moment.
void load_adam_into(const io::TensorFile& file, const std::string& prefix, Adam& opt, const std::string& context);
// The values of tensor `name`; throws InputError naming the file if it is missing.
const std::vector<float>& tensor_values(const io::TensorFile& file, const std::string& name, const std::string& context);

}  // namespace ocres::policy
