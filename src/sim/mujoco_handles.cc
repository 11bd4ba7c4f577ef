#include "sim/mujoco_handles.h"

#include <cstdio>
#include <cstring>
#include <mutex>

#include "core/error.h"

namespace ocres::sim {

namespace {
// MuJoCo's default error handler calls exit(); ours aborts loudly (an mju_error is a bug: bad indices,
// corrupted state), and we install it once.
void on_mujoco_error(const char* msg) {
  ::ocres::check_failed("mju_error", __FILE__, __LINE__, std::string("MuJoCo error: ") + msg);
}
// MuJoCo's default warning handler prints to stdout, which would corrupt the one JSON object a
// command prints with --json; warnings go to stderr, like every other diagnostic.
void on_mujoco_warning(const char* msg) { std::fprintf(stderr, "MuJoCo warning: %s\n", msg); }
void install_handlers() {
  static std::once_flag once;
  std::call_once(once, [] {
    mju_user_error = on_mujoco_error;
    mju_user_warning = on_mujoco_warning;
  });
}
}  // namespace

ModelPtr compile_mjcf(const std::string& xml) {
  install_handlers();
  // mjVFS is a large fixed-size struct in MuJoCo 2.2; keep it off the stack.
  auto vfs = std::make_unique<mjVFS>();
  mj_defaultVFS(vfs.get());
  const char* fname = "ocres_scene.xml";
  OCRES_CHECK(mj_makeEmptyFileVFS(vfs.get(), fname, static_cast<int>(xml.size())) == 0, "VFS allocation failed");
  const int idx = mj_findFileVFS(vfs.get(), fname);
  std::memcpy(vfs->filedata[idx], xml.data(), xml.size());
  char err[1024] = {0};
  mjModel* m = mj_loadXML(fname, vfs.get(), err, sizeof(err));
  mj_deleteVFS(vfs.get());
  if (!m) throw InputError(std::string("MuJoCo could not compile the scene: ") + err);
  return ModelPtr(m);
}

ModelPtr copy_model(const mjModel* m) { return ModelPtr(mj_copyModel(nullptr, m)); }

DataPtr make_data(const mjModel* m) { return DataPtr(mj_makeData(m)); }

int warning_count(const mjData* d) {
  int n = 0;
  for (int i = 0; i < mjNWARNING; ++i) n += d->warning[i].number;
  return n;
}

std::string describe_warnings(const mjData* d) {
  static const char* kNames[mjNWARNING] = {"inertia", "contactfull", "cnstrfull", "vgeomfull",
                                           "badqpos", "badqvel",     "badqacc",   "badctrl"};
  std::string out;
  for (int i = 0; i < mjNWARNING; ++i) {
    if (d->warning[i].number > 0) {
      out += std::string(kNames[i]) + " x" + std::to_string(d->warning[i].number) + " (last info " +
             std::to_string(d->warning[i].lastinfo) + "); ";
    }
  }
  return out;
}

namespace {
int lookup(const mjModel* m, int type, const char* name, const char* what) {
  const int id = mj_name2id(m, type, name);
  OCRES_CHECK(id >= 0, std::string("model has no ") + what + " named '" + name + "'");
  return id;
}
}  // namespace

int body_id(const mjModel* m, const char* name) { return lookup(m, mjOBJ_BODY, name, "body"); }
int joint_id(const mjModel* m, const char* name) { return lookup(m, mjOBJ_JOINT, name, "joint"); }
int geom_id(const mjModel* m, const char* name) { return lookup(m, mjOBJ_GEOM, name, "geom"); }
int site_id(const mjModel* m, const char* name) { return lookup(m, mjOBJ_SITE, name, "site"); }
int actuator_id(const mjModel* m, const char* name) { return lookup(m, mjOBJ_ACTUATOR, name, "actuator"); }

}  // namespace ocres::sim
