"""Image checks shared by the loopback VLA stand-ins (openpi_server.py, gr00t_server.py).

A test names what it sends with --expect-image KEY=SHAPE[:SEED]:
  SHAPE  comma-separated, e.g. 224,224,3 (openpi) or 1,224,224,3 (GR00T video.<cam>)
  SEED   the array must hold exactly the test pattern pattern(SHAPE, SEED); without it the array must
         merely vary (a rendered frame, not a blank buffer).
Every array must be uint8 (numpy dtype.str "|u1"). A failed check raises, which each server turns into
its protocol's error reply, so the C++ side sees the failure as a peer error naming the key.
--image-log FILE appends one line per checked array: "key shape dtype min max".
"""
import numpy as np


def pattern(shape, seed):
    """Byte i of the C-order array is (31 * i + 7 * seed) mod 251 (the C++ tests build the same)."""
    n = int(np.prod(shape))
    return ((np.arange(n, dtype=np.int64) * 31 + 7 * seed) % 251).astype(np.uint8).reshape(shape)


def parse_expectations(items):
    out = {}
    for item in items or []:
        key, _, spec = item.partition("=")
        shape_text, _, seed_text = spec.partition(":")
        shape = tuple(int(v) for v in shape_text.split(","))
        out[key] = (shape, int(seed_text) if seed_text else None)
    return out


def check_images(obs, expectations, log_path=None):
    for key, (shape, seed) in expectations.items():
        if key not in obs:
            raise ValueError(f"image {key} missing from the request (keys: {sorted(obs)})")
        array = obs[key]
        if not isinstance(array, np.ndarray) or array.dtype.str != "|u1":
            raise ValueError(f"image {key} is {type(array).__name__} {getattr(array, 'dtype', '?')}, not uint8 |u1")
        if tuple(array.shape) != shape:
            raise ValueError(f"image {key} has shape {tuple(array.shape)}, expected {shape}")
        if seed is not None and not np.array_equal(array, pattern(shape, seed)):
            bad = int(np.count_nonzero(array != pattern(shape, seed)))
            raise ValueError(f"image {key}: {bad} bytes differ from test pattern {seed}")
        if seed is None and int(array.max()) == int(array.min()):
            raise ValueError(f"image {key} is constant ({int(array.min())}): not a rendered frame")
        if log_path:
            with open(log_path, "a") as log:
                log.write(f"{key} {','.join(map(str, array.shape))} {array.dtype.str} {int(array.min())} {int(array.max())}\n")
