#include "deploy/remote_chunk_source.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "io/gr00t_client.h"
#include "io/openpi_client.h"

namespace ocres::deploy {

namespace {

const std::vector<std::pair<std::string, int>>& state_fields() {
  static const std::vector<std::pair<std::string, int>> f = {{"tcp_position", 3},   {"tcp_quaternion", 4},
                                                             {"gripper_width", 1},  {"gripper_closed", 1},
                                                             {"joint_position", 7}, {"finger_position", 2}};
  return f;
}

void append_field(const std::string& name, const RobotState& r, std::vector<float>& out) {
  auto put = [&](double v) { out.push_back(static_cast<float>(v)); };
  if (name == "tcp_position") for (int i = 0; i < 3; ++i) put(r.X_BT.p[i]);
  else if (name == "tcp_quaternion") {
    const Quat q = canonical(r.X_BT.q);
    put(q.w()), put(q.x()), put(q.y()), put(q.z());
  } else if (name == "gripper_width") put(r.gripper_width_m);
  else if (name == "gripper_closed") put(std::clamp(1.0 - r.gripper_width_m / franka::kGripperMaxWidth_m, 0.0, 1.0));
  else if (name == "joint_position") for (int i = 0; i < 7; ++i) put(r.q[i]);
  else if (name == "finger_position") put(r.finger_m[0]), put(r.finger_m[1]);
}

RemoteBaseConfig::ActionPart parse_part(YamlFields f, const std::string& default_key, int default_column) {
  RemoteBaseConfig::ActionPart p{default_key, default_column};
  f.get("key", p.key);
  f.get_in_range("column", p.column, 0, 1000);
  f.get_in_range("scale", p.scale, -1e6, 1e6);
  f.get_in_range("offset", p.offset, -1e6, 1e6);
  f.finish();
  if (p.key.empty()) throw InputError(f.context() + ": needs a 'key'");
  return p;
}

}  // namespace

RemoteBaseConfig parse_remote_base(YamlFields f) {
  RemoteBaseConfig c;
  f.get("kind", c.kind);
  if (c.kind != "gr00t" && c.kind != "openpi") throw InputError(f.context() + ": kind '" + c.kind + "' is neither 'gr00t' nor 'openpi'");
  c.port = c.kind == "gr00t" ? 5555 : 8000;
  f.get("host", c.host);
  f.get_in_range("port", c.port, 1, 65535);
  f.get("api_token", c.api_token);
  if (!c.api_token.empty() && c.kind != "gr00t") throw InputError(f.context() + ": api_token is a GR00T option");
  f.get_in_range("timeout_ms", c.timeout_ms, 1, 600000);
  f.get_in_range("chunk_size", c.chunk_size, 1, 1000);
  f.get("prompt_key", c.prompt_key);
  f.get("prompt", c.prompt);
  // `state` is a list of maps: read it as nodes, then each element strictly.
  std::vector<YAML::Node> state;
  f.get("state", state);
  for (size_t i = 0; i < state.size(); ++i) {
    YamlFields e(state[i], f.context() + ": state[" + std::to_string(i) + "]");
    RemoteBaseConfig::StateEntry entry;
    e.get("key", entry.key);
    e.get("fields", entry.fields);
    e.get("batch_dim", entry.batch_dim);
    e.finish();
    if (entry.key.empty()) throw InputError(e.context() + ": needs a 'key'");
    if (entry.fields.empty()) throw InputError(e.context() + ": needs 'fields'");
    for (const std::string& name : entry.fields) {
      bool ok = false;
      std::string list;
      for (const auto& [known, dim] : state_fields()) {
        ok = ok || known == name;
        list += (list.empty() ? "" : ", ") + known;
      }
      if (!ok) throw InputError(e.context() + ": unknown field '" + name + "' (known: " + list + ")");
    }
    c.state.push_back(entry);
  }
  std::vector<YAML::Node> images;
  f.get("images", images);
  for (size_t i = 0; i < images.size(); ++i) {
    YamlFields e(images[i], f.context() + ": images[" + std::to_string(i) + "]");
    RemoteBaseConfig::ImageEntry entry;
    entry.batch_dim = c.kind == "gr00t";  // GR00T: video.<cam> (1, H, W, 3); openpi: (H, W, 3)
    e.get("key", entry.key);
    e.get("camera", entry.camera);
    e.get("batch_dim", entry.batch_dim);
    std::vector<int> size;
    e.get("size", size);
    e.finish();
    if (entry.key.empty()) throw InputError(e.context() + ": needs a 'key'");
    if (entry.camera.empty()) throw InputError(e.context() + ": needs a 'camera'");
    if (!size.empty()) {
      if (size.size() != 2 || size[0] < 1 || size[1] < 1 || size[0] > kMaxCameraSide_px || size[1] > kMaxCameraSide_px)
        throw InputError(e.context() + ": size must be [height, width] in 1.." + std::to_string(kMaxCameraSide_px) + " px");
      entry.height_px = size[0];
      entry.width_px = size[1];
    }
    for (const auto& other : c.images)
      if (other.key == entry.key) throw InputError(e.context() + ": key '" + entry.key + "' is sent twice");
    c.images.push_back(entry);
  }
  YamlFields a = f.child("action");
  c.position = parse_part(a.child("position"), "", 0);
  c.quaternion = parse_part(a.child("quaternion"), c.position.key, c.position.column + 3);
  c.gripper = parse_part(a.child("gripper"), c.position.key, c.position.column + 7);
  a.finish();
  f.finish();
  return c;
}

std::vector<std::string> RemoteBaseConfig::cameras() const {
  std::vector<std::string> names;
  for (const ImageEntry& e : images)
    if (std::find(names.begin(), names.end(), e.camera) == names.end()) names.push_back(e.camera);
  return names;
}

RemoteBaseConfig load_remote_base(const std::string& path) { return parse_remote_base(YamlFields(load_yaml_file(path), path)); }

struct RemoteChunkSource::Clients {
  std::unique_ptr<wire::OpenpiClient> openpi;
  std::unique_ptr<wire::Gr00tClient> gr00t;
};

RemoteChunkSource::RemoteChunkSource(RemoteBaseConfig config) : config_(std::move(config)), clients_(std::make_unique<Clients>()) {
  const std::vector<std::string> cameras = config_.cameras();
  for (const auto& e : config_.images)
    image_camera_.push_back(static_cast<int>(std::find(cameras.begin(), cameras.end(), e.camera) - cameras.begin()));
  const std::chrono::milliseconds timeout(config_.timeout_ms);
  if (config_.kind == "openpi") {
    wire::OpenpiClientConfig c;
    c.host = config_.host;
    c.port = config_.port;
    c.connect_timeout = timeout;
    c.infer_timeout = timeout;
    clients_->openpi = std::make_unique<wire::OpenpiClient>(c);
  } else {
    wire::Gr00tClientConfig c;
    c.host = config_.host;
    c.port = config_.port;
    c.api_token = config_.api_token;
    c.connect_timeout = timeout;
    c.reply_timeout = timeout;
    clients_->gr00t = std::make_unique<wire::Gr00tClient>(c);
  }
}

RemoteChunkSource::~RemoteChunkSource() = default;

wire::Map RemoteChunkSource::request(const Observation& obs) const {
  wire::Map m;
  for (const auto& entry : config_.state) {
    std::vector<float> v;
    for (const std::string& f : entry.fields) append_field(f, obs.robot, v);
    const int64_t d = static_cast<int64_t>(v.size());
    m.set(entry.key, entry.batch_dim ? wire::NdArray::from_values<float>({1, d}, v) : wire::NdArray::from_values<float>({d}, v));
  }
  if (!config_.prompt_key.empty()) {
    if (config_.kind == "gr00t") m.set(config_.prompt_key, wire::Array{wire::Value(config_.prompt)});
    else m.set(config_.prompt_key, config_.prompt);
  }
  return m;
}

bool RemoteChunkSource::parse(const wire::Map& reply, std::span<Action> chunk) {
  struct Part {
    const RemoteBaseConfig::ActionPart* cfg;
    int width;
    std::vector<double> values;
    int64_t rows = 0, cols = 0;
  };
  Part parts[3] = {{&config_.position, 3, {}}, {&config_.quaternion, 4, {}}, {&config_.gripper, 1, {}}};
  for (Part& p : parts) {
    const wire::Value* v = reply.find(p.cfg->key);
    const wire::NdArray* a = v ? v->get_if<wire::NdArray>() : nullptr;
    if (!a) {
      error_ = "reply has no array '" + p.cfg->key + "'";
      return false;
    }
    const auto& shape = a->shape();
    const bool ok_shape = (a->ndim() == 2) || (a->ndim() == 3 && shape[0] == 1);
    if (!ok_shape) {
      error_ = "'" + p.cfg->key + "' is " + wire::describe(*a) + "; expected (H, D) or (1, H, D)";
      return false;
    }
    p.rows = shape[a->ndim() - 2];
    p.cols = shape[a->ndim() - 1];
    if (p.rows < 1 || p.cfg->column + p.width > p.cols) {
      error_ = "'" + p.cfg->key + "' is " + wire::describe(*a) + "; columns " + std::to_string(p.cfg->column) + ".." +
               std::to_string(p.cfg->column + p.width - 1) + " are needed";
      return false;
    }
    p.values = a->to_f64();
  }
  for (int i = 0; i < static_cast<int>(chunk.size()); ++i) {
    auto at = [&](const Part& p, int k) {
      const int64_t row = std::min<int64_t>(i, p.rows - 1);
      return p.values[static_cast<size_t>(row * p.cols + p.cfg->column + k)];
    };
    Action a;
    a.p_BT = Vec3(at(parts[0], 0), at(parts[0], 1), at(parts[0], 2));
    const Quat q(at(parts[1], 0), at(parts[1], 1), at(parts[1], 2), at(parts[1], 3));
    a.gripper_width_m = config_.gripper.offset + config_.gripper.scale * at(parts[2], 0);
    if (!a.p_BT.allFinite() || !q.coeffs().allFinite() || !std::isfinite(a.gripper_width_m) || q.norm() < 0.5 || q.norm() > 2) {
      error_ = "reply row " + std::to_string(i) + " is not a valid target (non-finite or not a quaternion)";
      return false;
    }
    a.q_BT = q.normalized();
    a.gripper_width_m = std::clamp(a.gripper_width_m, 0.0, franka::kGripperMaxWidth_m);
    chunk[i] = a;
  }
  return true;
}

bool RemoteChunkSource::add_images(std::span<const CameraFrame> frames, wire::Map& m) {
  for (size_t i = 0; i < config_.images.size(); ++i) {
    const RemoteBaseConfig::ImageEntry& e = config_.images[i];
    const size_t cam = static_cast<size_t>(image_camera_[i]);
    if (cam >= frames.size() || !frames[cam].present()) {
      error_ = "camera '" + e.camera + "' (for '" + e.key + "') has delivered no frame";
      return false;
    }
    const CameraFrame* f = &frames[cam];
    if (e.height_px > 0 && (e.height_px != f->height_px || e.width_px != f->width_px)) {
      resize_nearest(*f, e.height_px, e.width_px, resized_);
      f = &resized_;
    }
    std::vector<int64_t> shape = {f->height_px, f->width_px, 3};
    if (e.batch_dim) shape.insert(shape.begin(), 1);
    m.set(e.key, wire::NdArray::from_values<uint8_t>(std::move(shape), f->rgb));
  }
  return true;
}

LinkStatus RemoteChunkSource::predict(const Observation& obs, std::span<Action> chunk, const char*& error) {
  return predict_with_frames(obs, {}, chunk, error);
}

LinkStatus RemoteChunkSource::predict_with_frames(const Observation& obs, std::span<const CameraFrame> frames,
                                                  std::span<Action> chunk, const char*& error) {
  wire::Map req = request(obs);
  if (!add_images(frames, req)) {
    error = error_.c_str();
    return LinkStatus::kUnavailable;
  }
  const wire::RemoteResult r = clients_->openpi ? clients_->openpi->infer(req) : clients_->gr00t->get_action(req);
  if (!r.ok()) {
    error_ = std::string(wire::to_string(r.status)) + ": " + r.error;
    error = error_.c_str();
    switch (r.status) {
      case wire::RemoteStatus::kTimeout: return LinkStatus::kTimeout;
      case wire::RemoteStatus::kUnavailable: return LinkStatus::kUnavailable;
      case wire::RemoteStatus::kServerError: return LinkStatus::kPeerError;
      default: return LinkStatus::kProtocolError;
    }
  }
  if (!parse(r.response, chunk)) {
    error = error_.c_str();
    return LinkStatus::kProtocolError;
  }
  error = "";
  return LinkStatus::kOk;
}

}  // namespace ocres::deploy
