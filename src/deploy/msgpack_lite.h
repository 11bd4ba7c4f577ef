#pragma once
// An allocation-free msgpack reader and writer for the deployment protocols (robot bridge, pose
// stream; docs/deploy.md). Why not io/msgpack_value: that decoder builds a dynamic tree (strings,
// vectors) on the heap; the control tick must not allocate, and our messages are small flat maps with
// known keys. The reader walks the bytes in place and the writer fills a caller-owned fixed buffer.
//
// Errors are sticky: after the first failure every call returns false, and error()/offset() say what
// and where (static strings, no allocation). Nothing here ever reads outside the input span.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ocres::deploy {

class MsgReader {
 public:
  explicit MsgReader(std::span<const uint8_t> bytes) : b_(bytes) {}

  bool read_map_header(uint32_t& n);
  bool read_array_header(uint32_t& n);
  // A msgpack str (bin is not accepted for text); the view points into the input.
  bool read_str(std::string_view& s);
  // A msgpack bin (raw bytes; images); the span points into the input.
  bool read_bin(std::span<const uint8_t>& bytes);
  // Any int, uint, float32 or float64 as a double.
  bool read_number(double& v);
  // A non-negative integer.
  bool read_uint(uint64_t& v);
  bool read_bool(bool& v);
  // A fixed-length array of numbers (exactly out.size() elements).
  bool read_numbers(std::span<double> out);
  // Skips one value of any type, nesting at most kMaxDepth levels.
  bool skip();

  bool ok() const { return error_ == nullptr; }
  bool at_end() const { return pos_ == b_.size(); }
  const char* error() const { return error_ ? error_ : ""; }
  size_t offset() const { return error_offset_; }
  // Sets the sticky error (for semantic errors found by message decoders); returns false.
  bool fail(const char* what);

  static constexpr int kMaxDepth = 16;

 private:
  bool need(size_t n);
  bool byte(uint8_t& out);
  bool be(int bytes, uint64_t& out);
  bool skip_depth(int depth);

  std::span<const uint8_t> b_;
  size_t pos_ = 0;
  const char* error_ = nullptr;
  size_t error_offset_ = 0;
};

// Writes msgpack into a fixed buffer; on overflow ok() turns false and the output must be discarded.
class MsgWriter {
 public:
  explicit MsgWriter(std::span<uint8_t> buffer) : b_(buffer) {}
  MsgWriter& map(uint32_t n);
  MsgWriter& array(uint32_t n);
  MsgWriter& str(std::string_view s);
  MsgWriter& f64(double v);
  MsgWriter& u64(uint64_t v);
  MsgWriter& i64(int64_t v);
  MsgWriter& boolean(bool v);
  MsgWriter& nil();
  MsgWriter& numbers(std::span<const double> v);
  MsgWriter& bin(std::span<const uint8_t> bytes);

  bool ok() const { return ok_; }
  size_t size() const { return pos_; }
  std::span<const uint8_t> bytes() const { return b_.first(pos_); }

 private:
  void put(uint8_t c);
  void put_be(uint64_t v, int bytes);
  std::span<uint8_t> b_;
  size_t pos_ = 0;
  bool ok_ = true;
};

}  // namespace ocres::deploy
