#include "io/dataset.h"

#include <hdf5.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <mutex>

#include "core/error.h"

namespace ocres::io {

namespace {

std::mutex& hdf5_mutex() {
  static std::mutex m;
  return m;
}

// HDF5 prints its error stack by default; we report errors ourselves.
void silence_hdf5() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

void check(herr_t status, const std::string& what) {
  if (status < 0) throw InputError("HDF5: " + what);
}
hid_t check_id(hid_t id, const std::string& what) {
  if (id < 0) throw InputError("HDF5: " + what);
  return id;
}

void write_attr_i64(hid_t obj, const char* name, int64_t v) {
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t a = check_id(H5Acreate2(obj, name, H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT), name);
  H5Awrite(a, H5T_NATIVE_INT64, &v);
  H5Aclose(a);
  H5Sclose(space);
}

void write_attr_u64(hid_t obj, const char* name, uint64_t v) {
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t a = check_id(H5Acreate2(obj, name, H5T_STD_U64LE, space, H5P_DEFAULT, H5P_DEFAULT), name);
  H5Awrite(a, H5T_NATIVE_UINT64, &v);
  H5Aclose(a);
  H5Sclose(space);
}

void write_attr_str(hid_t obj, const char* name, const std::string& s) {
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t a = check_id(H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT), name);
  const char* p = s.c_str();
  H5Awrite(a, type, &p);
  H5Aclose(a);
  H5Sclose(space);
  H5Tclose(type);
}

void write_dataset(hid_t parent, const char* name, hid_t file_type, hid_t mem_type, const void* data, int rows, int cols) {
  hsize_t dims[2] = {static_cast<hsize_t>(rows), static_cast<hsize_t>(cols)};
  const hid_t space = H5Screate_simple(cols > 0 ? 2 : 1, dims, nullptr);
  const hid_t ds = check_id(H5Dcreate2(parent, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), name);
  if (rows > 0) check(H5Dwrite(ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), std::string("writing ") + name);
  H5Dclose(ds);
  H5Sclose(space);
}

// uint8 [T, H, W, C], one frame per chunk (readers fetch frames one at a time), gzip level 4 (h5py's
// default for compression="gzip"; rendered scenes compress ~5-10x).
void write_images(hid_t parent, const std::string& key, const ImageSeries& im, int rows) {
  if (H5Zfilter_avail(H5Z_FILTER_DEFLATE) <= 0) throw InputError("HDF5 library lacks the gzip (deflate) filter");
  hsize_t dims[4] = {static_cast<hsize_t>(rows), static_cast<hsize_t>(im.height), static_cast<hsize_t>(im.width),
                     static_cast<hsize_t>(im.channels)};
  hsize_t chunk[4] = {1, dims[1], dims[2], dims[3]};
  const hid_t space = H5Screate_simple(4, dims, nullptr);
  const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  if (rows > 0) {  // a chunked layout needs non-zero chunk dimensions
    H5Pset_chunk(dcpl, 4, chunk);
    H5Pset_deflate(dcpl, 4);
  }
  const hid_t ds = check_id(H5Dcreate2(parent, key.c_str(), H5T_STD_U8LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), key);
  if (rows > 0) check(H5Dwrite(ds, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, im.pixels.data()), "writing " + key);
  H5Dclose(ds);
  H5Pclose(dcpl);
  H5Sclose(space);
}

}  // namespace

DatasetWriter::DatasetWriter(const std::string& path, const std::string& env_args_json)
    : path_(path), partial_(path + ".partial") {
  std::lock_guard<std::mutex> lock(hdf5_mutex());
  silence_hdf5();
  file_ = H5Fcreate(partial_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (file_ < 0) throw InputError("cannot create dataset '" + path + "'");
  data_ = check_id(H5Gcreate2(file_, "data", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "/data");
  write_attr_str(data_, "env_args", env_args_json);
}

DatasetWriter::~DatasetWriter() {
  if (file_ >= 0) {
    std::lock_guard<std::mutex> lock(hdf5_mutex());
    H5Gclose(data_);
    H5Fclose(file_);
    std::remove(partial_.c_str());  // not closed: never leave a half-written dataset behind
  }
}

std::string DatasetWriter::add_episode(const EpisodeData& ep) {
  OCRES_CHECK(static_cast<int>(ep.actions.size()) == ep.length * ep.action_dim, "actions size mismatch");
  OCRES_CHECK(static_cast<int>(ep.rewards.size()) == ep.length && static_cast<int>(ep.dones.size()) == ep.length,
              "rewards/dones size mismatch");
  std::lock_guard<std::mutex> lock(hdf5_mutex());
  const std::string name = "demo_" + std::to_string(count_++);
  const hid_t g = check_id(H5Gcreate2(data_, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), name);
  write_attr_i64(g, "num_samples", ep.length);
  write_attr_u64(g, "seed", ep.seed);
  write_attr_i64(g, "success", ep.success ? 1 : 0);
  for (const auto& [key, value] : ep.string_attrs) {
    OCRES_CHECK(key != "num_samples" && key != "seed" && key != "success" && !key.empty(), "episode attribute '" + key + "' is reserved");
    write_attr_str(g, key.c_str(), value);
  }
  write_dataset(g, "actions", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, ep.actions.data(), ep.length, ep.action_dim);
  write_dataset(g, "rewards", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, ep.rewards.data(), ep.length, 0);
  write_dataset(g, "dones", H5T_STD_U8LE, H5T_NATIVE_UINT8, ep.dones.data(), ep.length, 0);
  const hid_t obs = check_id(H5Gcreate2(g, "obs", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "obs");
  for (const auto& [key, value] : ep.obs) {
    OCRES_CHECK(static_cast<int>(value.second.size()) == ep.length * value.first, "obs '" + key + "' size mismatch");
    write_dataset(obs, key.c_str(), H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, value.second.data(), ep.length, value.first);
  }
  for (const auto& [key, im] : ep.images) {
    OCRES_CHECK(!ep.obs.count(key), "obs '" + key + "' is both a vector and an image");
    OCRES_CHECK(im.height > 0 && im.width > 0 && im.channels > 0, "image '" + key + "' has an empty frame size");
    OCRES_CHECK(im.pixels.size() == static_cast<size_t>(ep.length) * im.height * im.width * im.channels,
                "image '" + key + "' size mismatch");
    write_images(obs, key, im, ep.length);
  }
  H5Gclose(obs);
  H5Gclose(g);
  total_ += ep.length;
  return name;
}

void DatasetWriter::set_mask(const std::string& split, const std::vector<std::string>& names) {
  std::lock_guard<std::mutex> lock(hdf5_mutex());
  hid_t mask = H5Lexists(file_, "mask", H5P_DEFAULT) > 0 ? H5Gopen2(file_, "mask", H5P_DEFAULT)
                                                          : H5Gcreate2(file_, "mask", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  check_id(mask, "/mask");
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, H5T_VARIABLE);
  std::vector<const char*> ptrs;
  for (const auto& n : names) ptrs.push_back(n.c_str());
  hsize_t dims[1] = {names.size()};
  const hid_t space = H5Screate_simple(1, dims, nullptr);
  const hid_t ds = check_id(H5Dcreate2(mask, split.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), split);
  if (!names.empty()) H5Dwrite(ds, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data());
  H5Dclose(ds);
  H5Sclose(space);
  H5Tclose(type);
  H5Gclose(mask);
}

void DatasetWriter::close() {
  {
    std::lock_guard<std::mutex> lock(hdf5_mutex());
    write_attr_i64(data_, "total", total_);
    H5Gclose(data_);
    H5Fflush(file_, H5F_SCOPE_GLOBAL);
    H5Fclose(file_);
    file_ = -1;
  }
  std::filesystem::rename(partial_, path_);
}

namespace {

int64_t read_attr_i64(hid_t obj, const char* name, const std::string& ctx) {
  if (H5Aexists(obj, name) <= 0) throw InputError(ctx + ": missing attribute '" + name + "'");
  const hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
  int64_t v = 0;
  const herr_t s = H5Aread(a, H5T_NATIVE_INT64, &v);
  H5Aclose(a);
  if (s < 0) throw InputError(ctx + ": unreadable attribute '" + name + "'");
  return v;
}

std::vector<hsize_t> dims_of(hid_t ds) {
  const hid_t space = H5Dget_space(ds);
  const int n = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> d(std::max(n, 0));
  if (n > 0) H5Sget_simple_extent_dims(space, d.data(), nullptr);
  H5Sclose(space);
  return d;
}

std::vector<float> read_floats(hid_t parent, const std::string& name, const std::string& ctx, int rows, int& cols) {
  if (H5Lexists(parent, name.c_str(), H5P_DEFAULT) <= 0) throw InputError(ctx + ": missing dataset '" + name + "'");
  const hid_t ds = H5Dopen2(parent, name.c_str(), H5P_DEFAULT);
  if (ds < 0) throw InputError(ctx + ": cannot open dataset '" + name + "'");
  const auto d = dims_of(ds);
  if (d.empty() || static_cast<int>(d[0]) != rows) {
    H5Dclose(ds);
    throw InputError(ctx + ": dataset '" + name + "' has " + (d.empty() ? std::string("no") : std::to_string(d[0])) +
                     " rows, num_samples says " + std::to_string(rows));
  }
  if (d.size() > 2) {
    H5Dclose(ds);
    throw InputError(ctx + ": dataset '" + name + "' has rank " + std::to_string(d.size()) + ", expected [T] or [T, D]");
  }
  const hid_t type = H5Dget_type(ds);
  const H5T_class_t cls = H5Tget_class(type);
  H5Tclose(type);
  if (cls != H5T_FLOAT && cls != H5T_INTEGER) {
    H5Dclose(ds);
    throw InputError(ctx + ": dataset '" + name + "' is not numeric");
  }
  cols = d.size() > 1 ? static_cast<int>(d[1]) : 0;
  std::vector<float> v(static_cast<size_t>(rows) * std::max(cols, 1));
  const herr_t s = v.empty() ? 0 : H5Dread(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data());
  H5Dclose(ds);
  if (s < 0) throw InputError(ctx + ": dataset '" + name + "' is unreadable (corrupt or truncated file)");
  return v;
}

// Every string attribute of `obj` (variable or fixed length), by name.
herr_t collect_attr_name(hid_t, const char* name, const H5A_info_t*, void* names) {
  static_cast<std::vector<std::string>*>(names)->push_back(name);
  return 0;
}

std::map<std::string, std::string> read_string_attrs(hid_t obj) {
  std::map<std::string, std::string> out;
  std::vector<std::string> names;
  hsize_t at = 0;
  if (H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &at, collect_attr_name, &names) < 0) return out;
  for (const std::string& name : names) {
    const hid_t a = H5Aopen(obj, name.c_str(), H5P_DEFAULT);
    if (a < 0) continue;
    const hid_t type = H5Aget_type(a);
    const hid_t space = H5Aget_space(a);
    if (H5Tget_class(type) == H5T_STRING && H5Sget_simple_extent_ndims(space) == 0) {
      const hid_t mt = H5Tcopy(H5T_C_S1);
      H5Tset_cset(mt, H5Tget_cset(type));  // HDF5 does not convert between character sets
      if (H5Tis_variable_str(type) > 0) {
        H5Tset_size(mt, H5T_VARIABLE);
        char* p = nullptr;
        if (H5Aread(a, mt, &p) >= 0 && p) {
          out[name] = p;
          H5free_memory(p);
        }
      } else {  // fixed length (h5py writes numpy byte strings so)
        const size_t n = H5Tget_size(type);
        H5Tset_size(mt, n + 1);
        std::string buf(n + 1, '\0');
        if (H5Aread(a, mt, buf.data()) >= 0) out[name] = std::string(buf.c_str());
      }
      H5Tclose(mt);
    }
    H5Sclose(space);
    H5Tclose(type);
    H5Aclose(a);
  }
  return out;
}

// A rank-4 dataset of bytes: camera frames [T, H, W, C].
bool is_image_dataset(hid_t parent, const char* name) {
  const hid_t ds = H5Dopen2(parent, name, H5P_DEFAULT);
  if (ds < 0) return false;  // read_floats reports it
  const hid_t type = H5Dget_type(ds);
  const bool bytes = H5Tget_class(type) == H5T_INTEGER && H5Tget_size(type) == 1;
  H5Tclose(type);
  const bool rank4 = dims_of(ds).size() == 4;
  H5Dclose(ds);
  return bytes && rank4;
}

ImageSeries read_images(hid_t parent, const std::string& name, const std::string& ctx, int rows, bool pixels) {
  const hid_t ds = H5Dopen2(parent, name.c_str(), H5P_DEFAULT);
  if (ds < 0) throw InputError(ctx + ": cannot open dataset '" + name + "'");
  const auto d = dims_of(ds);
  ImageSeries im;
  if (static_cast<int>(d[0]) != rows || d[1] < 1 || d[2] < 1 || d[1] > 16384 || d[2] > 16384 ||
      (d[3] != 1 && d[3] != 3 && d[3] != 4)) {
    H5Dclose(ds);
    throw InputError(ctx + ": image dataset '" + name + "' has shape [" + std::to_string(d[0]) + ", " + std::to_string(d[1]) +
                     ", " + std::to_string(d[2]) + ", " + std::to_string(d[3]) + "], expected [" + std::to_string(rows) +
                     ", H, W, 1|3|4]");
  }
  im.height = static_cast<int>(d[1]);
  im.width = static_cast<int>(d[2]);
  im.channels = static_cast<int>(d[3]);
  herr_t s = 0;
  if (pixels && rows > 0) {
    im.pixels.resize(static_cast<size_t>(rows) * im.height * im.width * im.channels);
    s = H5Dread(ds, H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, im.pixels.data());
  }
  H5Dclose(ds);
  if (s < 0) throw InputError(ctx + ": image dataset '" + name + "' is unreadable (corrupt or truncated file)");
  return im;
}

}  // namespace

DatasetReader::DatasetReader(const std::string& path) : path_(path) {
  std::lock_guard<std::mutex> lock(hdf5_mutex());
  silence_hdf5();
  if (!std::filesystem::exists(path)) throw InputError("dataset '" + path + "' does not exist");
  if (H5Fis_hdf5(path.c_str()) <= 0) throw InputError("'" + path + "' is not an HDF5 file (or is truncated/corrupt)");
  file_ = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file_ < 0) throw InputError("cannot open dataset '" + path + "' (truncated or corrupt?)");
  try {
    if (H5Lexists(file_, "data", H5P_DEFAULT) <= 0) throw InputError("'" + path + "' has no /data group (not a robomimic dataset)");
    const hid_t data = H5Gopen2(file_, "data", H5P_DEFAULT);
    if (data < 0) throw InputError("'" + path + "': /data is unreadable");
    total_ = read_attr_i64(data, "total", path + ": /data");
    if (H5Aexists(data, "env_args") > 0) {
      const hid_t a = H5Aopen(data, "env_args", H5P_DEFAULT);
      const hid_t type = H5Aget_type(a);
      char* s = nullptr;
      if (H5Tis_variable_str(type) > 0) {
        const hid_t mt = H5Tcopy(H5T_C_S1);
        H5Tset_size(mt, H5T_VARIABLE);
        H5Tset_cset(mt, H5Tget_cset(type));  // HDF5 does not convert between character sets
        if (H5Aread(a, mt, &s) >= 0 && s) {
          env_args_ = s;
          H5free_memory(s);
        }
        H5Tclose(mt);
      }
      H5Tclose(type);
      H5Aclose(a);
    }
    hsize_t n = 0;
    H5Gget_num_objs(data, &n);
    int64_t sum = 0;
    for (hsize_t i = 0; i < n; ++i) {
      char name[256];
      H5Gget_objname_by_idx(data, i, name, sizeof(name));
      const std::string s(name);
      if (s.rfind("demo_", 0) != 0) continue;
      const hid_t g = H5Gopen2(data, name, H5P_DEFAULT);
      if (g < 0) throw InputError(path + ": episode '" + s + "' is unreadable");
      sum += read_attr_i64(g, "num_samples", path + ": " + s);
      H5Gclose(g);
      episodes_.push_back(s);
    }
    H5Gclose(data);
    // Natural order: demo_2 before demo_10.
    std::sort(episodes_.begin(), episodes_.end(), [](const std::string& a, const std::string& b) {
      return std::stol(a.substr(5)) < std::stol(b.substr(5));
    });
    if (sum != total_)
      throw InputError(path + ": /data total = " + std::to_string(total_) + " but episodes hold " + std::to_string(sum) + " samples");
  } catch (...) {
    H5Fclose(file_);
    file_ = -1;
    throw;
  }
}

DatasetReader::~DatasetReader() {
  if (file_ >= 0) {
    std::lock_guard<std::mutex> lock(hdf5_mutex());
    H5Fclose(file_);
  }
}

EpisodeData DatasetReader::read(const std::string& name, bool images) const {
  std::lock_guard<std::mutex> lock(hdf5_mutex());
  const std::string ctx = path_ + ": " + name;
  const std::string group = "data/" + name;
  if (H5Lexists(file_, group.c_str(), H5P_DEFAULT) <= 0) throw InputError(ctx + ": no such episode");
  const hid_t g = H5Gopen2(file_, group.c_str(), H5P_DEFAULT);
  EpisodeData ep;
  try {
    ep.length = static_cast<int>(read_attr_i64(g, "num_samples", ctx));
    if (ep.length < 0) throw InputError(ctx + ": negative num_samples");
    if (H5Aexists(g, "seed") > 0) {
      const hid_t a = H5Aopen(g, "seed", H5P_DEFAULT);
      H5Aread(a, H5T_NATIVE_UINT64, &ep.seed);
      H5Aclose(a);
    }
    if (H5Aexists(g, "success") > 0) ep.success = read_attr_i64(g, "success", ctx) != 0;
    ep.string_attrs = read_string_attrs(g);
    ep.actions = read_floats(g, "actions", ctx, ep.length, ep.action_dim);
    int c = 0;
    ep.rewards = read_floats(g, "rewards", ctx, ep.length, c);
    const std::vector<float> dones = read_floats(g, "dones", ctx, ep.length, c);
    ep.dones.assign(dones.begin(), dones.end());
    if (H5Lexists(g, "obs", H5P_DEFAULT) <= 0) throw InputError(ctx + ": missing obs group");
    const hid_t obs = H5Gopen2(g, "obs", H5P_DEFAULT);
    hsize_t n = 0;
    H5Gget_num_objs(obs, &n);
    try {
      for (hsize_t i = 0; i < n; ++i) {
        char key[256];
        H5Gget_objname_by_idx(obs, i, key, sizeof(key));
        if (is_image_dataset(obs, key)) {
          ep.images[key] = read_images(obs, key, ctx + "/obs", ep.length, images);
          continue;
        }
        int dim = 0;
        auto v = read_floats(obs, key, ctx + "/obs", ep.length, dim);
        ep.obs[key] = {std::max(dim, 1), std::move(v)};
      }
    } catch (...) {
      H5Gclose(obs);
      throw;
    }
    H5Gclose(obs);
  } catch (...) {
    H5Gclose(g);
    throw;
  }
  H5Gclose(g);
  return ep;
}

}  // namespace ocres::io
