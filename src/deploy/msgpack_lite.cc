#include "deploy/msgpack_lite.h"

#include <cstring>

namespace ocres::deploy {

bool MsgReader::fail(const char* what) {
  if (error_ == nullptr) {
    error_ = what;
    error_offset_ = pos_;
  }
  return false;
}

bool MsgReader::need(size_t n) {
  if (!ok()) return false;
  if (b_.size() - pos_ < n) return fail("truncated message");
  return true;
}

bool MsgReader::byte(uint8_t& out) {
  if (!need(1)) return false;
  out = b_[pos_++];
  return true;
}

bool MsgReader::be(int bytes, uint64_t& out) {
  if (!need(static_cast<size_t>(bytes))) return false;
  out = 0;
  for (int i = 0; i < bytes; ++i) out = (out << 8) | b_[pos_++];
  return true;
}

bool MsgReader::read_map_header(uint32_t& n) {
  uint8_t c;
  if (!byte(c)) return false;
  uint64_t v;
  if ((c & 0xf0) == 0x80) n = c & 0x0f;
  else if (c == 0xde && be(2, v)) n = static_cast<uint32_t>(v);
  else if (c == 0xdf && be(4, v)) n = static_cast<uint32_t>(v);
  else return fail("expected a map");
  return ok();
}

bool MsgReader::read_array_header(uint32_t& n) {
  uint8_t c;
  if (!byte(c)) return false;
  uint64_t v;
  if ((c & 0xf0) == 0x90) n = c & 0x0f;
  else if (c == 0xdc && be(2, v)) n = static_cast<uint32_t>(v);
  else if (c == 0xdd && be(4, v)) n = static_cast<uint32_t>(v);
  else return fail("expected an array");
  return ok();
}

bool MsgReader::read_str(std::string_view& s) {
  uint8_t c;
  if (!byte(c)) return false;
  uint64_t len = 0;
  if ((c & 0xe0) == 0xa0) len = c & 0x1f;
  else if (c == 0xd9) { if (!be(1, len)) return false; }
  else if (c == 0xda) { if (!be(2, len)) return false; }
  else if (c == 0xdb) { if (!be(4, len)) return false; }
  else return fail("expected a string");
  if (!need(len)) return false;
  s = std::string_view(reinterpret_cast<const char*>(b_.data() + pos_), len);
  pos_ += len;
  return true;
}

bool MsgReader::read_bin(std::span<const uint8_t>& bytes) {
  uint8_t c;
  if (!byte(c)) return false;
  uint64_t len = 0;
  if (c == 0xc4) { if (!be(1, len)) return false; }
  else if (c == 0xc5) { if (!be(2, len)) return false; }
  else if (c == 0xc6) { if (!be(4, len)) return false; }
  else return fail("expected bytes (msgpack bin)");
  if (!need(len)) return false;
  bytes = b_.subspan(pos_, len);
  pos_ += len;
  return true;
}

bool MsgReader::read_number(double& v) {
  uint8_t c;
  if (!byte(c)) return false;
  uint64_t u;
  if (c <= 0x7f) v = c;
  else if (c >= 0xe0) v = static_cast<int8_t>(c);
  else if (c == 0xcc && be(1, u)) v = static_cast<double>(u);
  else if (c == 0xcd && be(2, u)) v = static_cast<double>(u);
  else if (c == 0xce && be(4, u)) v = static_cast<double>(u);
  else if (c == 0xcf && be(8, u)) v = static_cast<double>(u);
  else if (c == 0xd0 && be(1, u)) v = static_cast<int8_t>(u);
  else if (c == 0xd1 && be(2, u)) v = static_cast<int16_t>(u);
  else if (c == 0xd2 && be(4, u)) v = static_cast<int32_t>(u);
  else if (c == 0xd3 && be(8, u)) v = static_cast<double>(static_cast<int64_t>(u));
  else if (c == 0xca && be(4, u)) {
    const uint32_t bits = static_cast<uint32_t>(u);
    float f;
    std::memcpy(&f, &bits, 4);
    v = f;
  } else if (c == 0xcb && be(8, u)) {
    std::memcpy(&v, &u, 8);
  } else {
    return fail("expected a number");
  }
  return ok();
}

bool MsgReader::read_uint(uint64_t& v) {
  uint8_t c;
  if (!byte(c)) return false;
  if (c <= 0x7f) v = c;
  else if (c == 0xcc) be(1, v);
  else if (c == 0xcd) be(2, v);
  else if (c == 0xce) be(4, v);
  else if (c == 0xcf) be(8, v);
  else if (c == 0xd0 || c == 0xd1 || c == 0xd2 || c == 0xd3) {
    // Python's msgpack writes non-negative ints as uint forms; accept signed forms holding >= 0 too.
    const int bytes = 1 << (c - 0xd0);
    uint64_t u;
    if (!be(bytes, u)) return false;
    const int shift = 64 - 8 * bytes;
    const int64_t s = static_cast<int64_t>(u << shift) >> shift;
    if (s < 0) return fail("expected a non-negative integer");
    v = static_cast<uint64_t>(s);
  } else {
    return fail("expected a non-negative integer");
  }
  return ok();
}

bool MsgReader::read_bool(bool& v) {
  uint8_t c;
  if (!byte(c)) return false;
  if (c == 0xc2) v = false;
  else if (c == 0xc3) v = true;
  else return fail("expected a bool");
  return true;
}

bool MsgReader::read_numbers(std::span<double> out) {
  uint32_t n;
  if (!read_array_header(n)) return false;
  if (n != out.size()) return fail("array has the wrong length");
  for (double& v : out)
    if (!read_number(v)) return false;
  return true;
}

bool MsgReader::skip() { return skip_depth(0); }

bool MsgReader::skip_depth(int depth) {
  if (depth > kMaxDepth) return fail("nesting too deep");
  uint8_t c;
  if (!byte(c)) return false;
  uint64_t len = 0;
  auto skip_bytes = [&](uint64_t n) {
    if (!need(n)) return false;
    pos_ += n;
    return true;
  };
  auto skip_values = [&](uint64_t n) {
    for (uint64_t i = 0; i < n; ++i)
      if (!skip_depth(depth + 1)) return false;
    return true;
  };
  if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3) return true;
  if ((c & 0xf0) == 0x80) return skip_values(2ull * (c & 0x0f));
  if ((c & 0xf0) == 0x90) return skip_values(c & 0x0f);
  if ((c & 0xe0) == 0xa0) return skip_bytes(c & 0x1f);
  switch (c) {
    case 0xc4: case 0xd9: return be(1, len) && skip_bytes(len);
    case 0xc5: case 0xda: return be(2, len) && skip_bytes(len);
    case 0xc6: case 0xdb: return be(4, len) && skip_bytes(len);
    case 0xca: return skip_bytes(4);
    case 0xcb: return skip_bytes(8);
    case 0xcc: case 0xd0: return skip_bytes(1);
    case 0xcd: case 0xd1: return skip_bytes(2);
    case 0xce: case 0xd2: return skip_bytes(4);
    case 0xcf: case 0xd3: return skip_bytes(8);
    case 0xdc: return be(2, len) && skip_values(len);
    case 0xdd: return be(4, len) && skip_values(len);
    case 0xde: return be(2, len) && skip_values(2 * len);
    case 0xdf: return be(4, len) && skip_values(2 * len);
    default: return fail("unsupported msgpack type (ext or reserved)");
  }
}

void MsgWriter::put(uint8_t c) {
  if (pos_ >= b_.size()) {
    ok_ = false;
    return;
  }
  b_[pos_++] = c;
}

void MsgWriter::put_be(uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) put(static_cast<uint8_t>(v >> (8 * i)));
}

MsgWriter& MsgWriter::map(uint32_t n) {
  if (n < 16) put(static_cast<uint8_t>(0x80 | n));
  else if (n <= 0xffff) { put(0xde); put_be(n, 2); }
  else { put(0xdf); put_be(n, 4); }
  return *this;
}

MsgWriter& MsgWriter::array(uint32_t n) {
  if (n < 16) put(static_cast<uint8_t>(0x90 | n));
  else if (n <= 0xffff) { put(0xdc); put_be(n, 2); }
  else { put(0xdd); put_be(n, 4); }
  return *this;
}

MsgWriter& MsgWriter::str(std::string_view s) {
  const size_t n = s.size();
  if (n < 32) put(static_cast<uint8_t>(0xa0 | n));
  else if (n <= 0xff) { put(0xd9); put_be(n, 1); }
  else if (n <= 0xffff) { put(0xda); put_be(n, 2); }
  else { put(0xdb); put_be(n, 4); }
  for (char c : s) put(static_cast<uint8_t>(c));
  return *this;
}

MsgWriter& MsgWriter::f64(double v) {
  uint64_t u;
  std::memcpy(&u, &v, 8);
  put(0xcb);
  put_be(u, 8);
  return *this;
}

MsgWriter& MsgWriter::u64(uint64_t v) {
  if (v <= 0x7f) put(static_cast<uint8_t>(v));
  else if (v <= 0xff) { put(0xcc); put_be(v, 1); }
  else if (v <= 0xffff) { put(0xcd); put_be(v, 2); }
  else if (v <= 0xffffffffull) { put(0xce); put_be(v, 4); }
  else { put(0xcf); put_be(v, 8); }
  return *this;
}

MsgWriter& MsgWriter::i64(int64_t v) {
  if (v >= 0) return u64(static_cast<uint64_t>(v));
  if (v >= -32) put(static_cast<uint8_t>(v));
  else { put(0xd3); put_be(static_cast<uint64_t>(v), 8); }
  return *this;
}

MsgWriter& MsgWriter::boolean(bool v) {
  put(v ? 0xc3 : 0xc2);
  return *this;
}

MsgWriter& MsgWriter::nil() {
  put(0xc0);
  return *this;
}

MsgWriter& MsgWriter::bin(std::span<const uint8_t> bytes) {
  const size_t n = bytes.size();
  if (n <= 0xff) { put(0xc4); put_be(n, 1); }
  else if (n <= 0xffff) { put(0xc5); put_be(n, 2); }
  else { put(0xc6); put_be(n, 4); }
  if (!ok_ || b_.size() - pos_ < n) {
    ok_ = false;
    return *this;
  }
  if (n > 0) std::memcpy(b_.data() + pos_, bytes.data(), n);
  pos_ += n;
  return *this;
}

MsgWriter& MsgWriter::numbers(std::span<const double> v) {
  array(static_cast<uint32_t>(v.size()));
  for (double x : v) f64(x);
  return *this;
}

}  // namespace ocres::deploy
