#include "io/npy.h"

#include <optional>
#include <string>
#include <string_view>

namespace ocres::wire {
namespace {

constexpr std::string_view kMagic("\x93NUMPY", 6);
// numpy pads the header so the data is aligned to this many bytes (numpy.lib.format.ARRAY_ALIGN).
constexpr std::size_t kAlign = 64;
// numpy >= 1.23 leaves room to grow the first axis in place: the header gets
// (GROWTH_AXIS_MAX_DIGITS - len(repr(shape[0]))) extra spaces before the alignment padding.
constexpr std::size_t kGrowthAxisMaxDigits = 21;

// Python's repr of a shape tuple: (), (16,), (16, 7).
std::string shape_repr(const std::vector<std::int64_t>& shape) {
  std::string out = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += ", ";
    out += std::to_string(shape[i]);
  }
  if (shape.size() == 1) out += ',';
  out += ')';
  return out;
}

// Parser for the header dict numpy writes. It accepts the small Python-literal subset numpy produces
// (and whitespace variations), nothing else: no escapes in strings, no nested containers besides the
// shape tuple, no expressions.
class HeaderParser {
 public:
  explicit HeaderParser(std::string_view text) : text_(text) {}

  std::string parse(std::string& descr, bool& fortran_order, std::vector<std::int64_t>& shape) {
    bool have_descr = false, have_fortran = false, have_shape = false;
    skip_space();
    if (!consume('{')) return fail("header does not start with '{'");
    while (true) {
      skip_space();
      if (consume('}')) break;
      std::string key;
      if (!parse_string(key)) return fail("expected a quoted key");
      skip_space();
      if (!consume(':')) return fail("expected ':' after key '" + key + "'");
      skip_space();
      if (key == "descr") {
        if (have_descr) return fail("duplicate key 'descr'");
        if (!parse_string(descr))
          return fail("'descr' is not a simple dtype string (structured dtypes are unsupported)");
        have_descr = true;
      } else if (key == "fortran_order") {
        if (have_fortran) return fail("duplicate key 'fortran_order'");
        if (!parse_bool(fortran_order)) return fail("'fortran_order' is not True or False");
        have_fortran = true;
      } else if (key == "shape") {
        if (have_shape) return fail("duplicate key 'shape'");
        if (std::string problem = parse_shape(shape); !problem.empty()) return fail(problem);
        have_shape = true;
      } else {
        return fail("unknown key '" + key + "'");
      }
      skip_space();
      if (consume(',')) continue;
      skip_space();
      if (consume('}')) break;
      return fail("expected ',' or '}'");
    }
    skip_space();
    if (pos_ != text_.size()) return fail("unexpected text after the header dict");
    if (!have_descr || !have_fortran || !have_shape)
      return fail("header lacks one of 'descr', 'fortran_order', 'shape'");
    return {};
  }

 private:
  std::string fail(const std::string& what) const {
    return "npy header: " + what + " (at header offset " + std::to_string(pos_) + ")";
  }
  void skip_space() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\t' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool consume(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool consume(std::string_view word) {
    if (text_.substr(pos_, word.size()) == word) {
      pos_ += word.size();
      return true;
    }
    return false;
  }
  bool parse_string(std::string& out) {
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) return false;
    const char quote = text_[pos_++];
    const std::size_t end = text_.find(quote, pos_);
    if (end == std::string_view::npos) return false;
    const std::string_view body = text_.substr(pos_, end - pos_);
    if (body.find('\\') != std::string_view::npos || body.find('\n') != std::string_view::npos) return false;
    out.assign(body);
    pos_ = end + 1;
    return true;
  }
  bool parse_bool(bool& out) {
    if (consume(std::string_view("True"))) return out = true, true;
    if (consume(std::string_view("False"))) return out = false, true;
    return false;
  }
  std::string parse_shape(std::vector<std::int64_t>& shape) {
    shape.clear();
    if (!consume('(')) return "'shape' is not a tuple";
    bool trailing_comma = false;
    while (true) {
      skip_space();
      if (consume(')')) break;
      if (pos_ >= text_.size() || text_[pos_] < '0' || text_[pos_] > '9')
        return "'shape' holds something other than a non-negative integer";
      std::int64_t value = 0;
      int digits = 0;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
        if (++digits > 18) return "'shape' dimension has too many digits";
        value = value * 10 + (text_[pos_++] - '0');
      }
      if (shape.size() == static_cast<std::size_t>(kMaxNdim))
        return "'shape' has more than " + std::to_string(kMaxNdim) + " dimensions";
      shape.push_back(value);
      skip_space();
      trailing_comma = consume(',');
      if (trailing_comma) continue;
      skip_space();
      if (consume(')')) break;
      return "'shape' tuple is malformed";
    }
    // (3) is the integer 3 in Python, not a tuple: numpy rejects it, so do we.
    if (shape.size() == 1 && !trailing_comma) return "'shape' (n) lacks the comma of a 1-tuple";
    return {};
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

void encode_npy_to(const NdArray& array, Bytes& out) {
  std::string header = "{'descr': '";
  header += dtype_descr(array.dtype());
  header += "', 'fortran_order': False, 'shape': ";
  header += shape_repr(array.shape());
  header += ", }";
  if (array.ndim() > 0) {
    const std::size_t first_axis_digits = std::to_string(array.shape()[0]).size();
    if (first_axis_digits < kGrowthAxisMaxDigits) header.append(kGrowthAxisMaxDigits - first_axis_digits, ' ');
  }
  // numpy.lib.format._wrap_header: pad so magic(6) + version(2) + length(2) + header + '\n' is a multiple
  // of 64; when it already is, numpy still adds a full 64 spaces.
  const std::size_t with_newline = header.size() + 1;
  const std::size_t padding = kAlign - ((kMagic.size() + 2 + 2 + with_newline) % kAlign);
  header.append(padding, ' ');
  header += '\n';
  // kMaxNdim dimensions of at most 19 digits keep the header far below the u16 limit.
  OCRES_CHECK(header.size() <= 0xffff, "npy header exceeds version 1.0's u16 length");

  out.reserve(out.size() + 10 + header.size() + array.data().size());
  out.insert(out.end(), kMagic.begin(), kMagic.end());
  out.push_back(1);  // version 1.0
  out.push_back(0);
  out.push_back(static_cast<std::uint8_t>(header.size() & 0xff));
  out.push_back(static_cast<std::uint8_t>(header.size() >> 8));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), array.data().begin(), array.data().end());
}

Bytes encode_npy(const NdArray& array) {
  Bytes out;
  encode_npy_to(array, out);
  return out;
}

Result<NdArray> decode_npy(std::span<const std::uint8_t> bytes) {
  using R = Result<NdArray>;
  if (bytes.size() < 10)
    return R::failure("npy: " + std::to_string(bytes.size()) + " bytes is too short for a preamble");
  if (std::string_view(reinterpret_cast<const char*>(bytes.data()), kMagic.size()) != kMagic) {
    return R::failure("npy: bad magic (expected \\x93NUMPY)");
  }
  const int major = bytes[6], minor = bytes[7];
  std::size_t header_start = 0, header_length = 0;
  if (major == 1 && minor == 0) {
    header_start = 10;
    header_length = static_cast<std::size_t>(bytes[8]) | static_cast<std::size_t>(bytes[9]) << 8;
  } else if ((major == 2 || major == 3) && minor == 0) {
    // 2.0 widens the length to u32; 3.0 also allows UTF-8 in the header (irrelevant for our keys).
    if (bytes.size() < 12) return R::failure("npy: truncated version 2 preamble");
    header_start = 12;
    header_length = static_cast<std::size_t>(bytes[8]) | static_cast<std::size_t>(bytes[9]) << 8 |
                    static_cast<std::size_t>(bytes[10]) << 16 | static_cast<std::size_t>(bytes[11]) << 24;
  } else {
    return R::failure("npy: unsupported version " + std::to_string(major) + "." + std::to_string(minor));
  }
  if (header_length > bytes.size() - header_start) {
    return R::failure("npy: header length " + std::to_string(header_length) + " exceeds the " +
                      std::to_string(bytes.size() - header_start) + " bytes after the preamble");
  }
  const std::string_view header(reinterpret_cast<const char*>(bytes.data() + header_start), header_length);
  std::string descr;
  bool fortran_order = false;
  std::vector<std::int64_t> shape;
  if (std::string problem = HeaderParser(header).parse(descr, fortran_order, shape); !problem.empty()) {
    return R::failure(std::move(problem));
  }
  const std::optional<DType> dtype = dtype_from_descr(descr);
  if (!dtype) return R::failure("npy: unsupported dtype '" + descr + "'");
  if (fortran_order) return R::failure("npy: fortran_order True is unsupported (send C-order arrays)");
  const std::span<const std::uint8_t> data = bytes.subspan(header_start + header_length);
  if (std::string problem = check_array_layout(*dtype, shape, data.size()); !problem.empty()) {
    return R::failure("npy: " + problem);
  }
  return NdArray::create(*dtype, std::move(shape), Bytes(data.begin(), data.end()));
}

}  // namespace ocres::wire
