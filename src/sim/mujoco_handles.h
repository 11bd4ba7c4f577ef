#pragma once
// RAII owners for MuJoCo's C objects and model compilation from an in-memory MJCF string.
#include <mujoco/mujoco.h>

#include <memory>
#include <string>

namespace ocres::sim {

struct ModelDeleter {
  void operator()(mjModel* m) const { mj_deleteModel(m); }
};
struct DataDeleter {
  void operator()(mjData* d) const { mj_deleteData(d); }
};
using ModelPtr = std::unique_ptr<mjModel, ModelDeleter>;
using DataPtr = std::unique_ptr<mjData, DataDeleter>;

// Compiles MJCF text (through an in-memory VFS file). Throws InputError with MuJoCo's message on failure.
ModelPtr compile_mjcf(const std::string& xml);
ModelPtr copy_model(const mjModel* m);
DataPtr make_data(const mjModel* m);

// Total count of MuJoCo warnings (instability, too many contacts, ...) recorded in `d`.
int warning_count(const mjData* d);
// Human-readable list of the warnings recorded in `d` (empty if none).
std::string describe_warnings(const mjData* d);

// Id lookups that fail loudly: a missing name is a bug in a scene builder.
int body_id(const mjModel* m, const char* name);
int joint_id(const mjModel* m, const char* name);
int geom_id(const mjModel* m, const char* name);
int site_id(const mjModel* m, const char* name);
int actuator_id(const mjModel* m, const char* name);

}  // namespace ocres::sim
