#pragma once
// numpy's .npy file format (version 1.0), which GR00T's inference server embeds in msgpack as
// {"__ndarray_class__": true, "as_npy": <bin>} (SPEC §9):
//
//   bytes 0-5   magic "\x93NUMPY"
//   bytes 6-7   version major, minor (we write 1.0; we read 1.0, 2.0 and 3.0)
//   bytes 8-9   header length H, little-endian u16 (u32 at bytes 8-11 for versions 2 and 3)
//   next H      Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (16, 7), }
//               padded with spaces and ended by '\n' so the data starts at a multiple of 64
//   rest        the C-order little-endian data, exactly prod(shape) * itemsize bytes
#include <cstdint>
#include <span>

#include "io/ndarray.h"
#include "io/wire_result.h"

namespace ocres::wire {

// Byte-identical to numpy 1.24's np.save(f, array) for the dtypes of DType.
Bytes encode_npy(const NdArray& array);
// Appends the same bytes to `out`.
void encode_npy_to(const NdArray& array, Bytes& out);

// Rejects with a message (never throws, never allocates more than the input's size): bad magic, an
// unsupported version, a truncated or unparsable header, missing/duplicate/unknown header keys, an
// unsupported dtype, fortran_order True, an invalid shape, or data whose length differs from the shape's.
Result<NdArray> decode_npy(std::span<const std::uint8_t> bytes);

}  // namespace ocres::wire
