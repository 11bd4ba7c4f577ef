#!/usr/bin/env python3
"""A stand-in pose estimator publishing the pose stream (docs/deploy.md) with Python's msgpack, for
ocres' deployment tests. ZeroMQ PUB on 127.0.0.1; stamps are time.monotonic().

  --mode good   publish object "block" at --rate-hz with confidence 0.9 (until --stop-after-s, then
                stay alive but silent: the stream stopped)
  --mode bad    every period: a NaN pose, an absurd position, confidence 2, a non-unit quaternion, an
                unknown object, an unknown frame, bytes that are not msgpack, a two-part message, then
                one good pose at position (0.5, 0.1, 0.02)
Prints the port on the first line of stdout.
"""
import argparse
import math
import os
import threading
import time

import msgpack
import zmq


def exit_when_stdin_closes():
    while os.read(0, 4096):
        pass
    os._exit(0)


def pose(obj="block", frame="base", p=(0.5, 0.1, 0.02), q=(1.0, 0.0, 0.0, 0.0), conf=0.9, stamp=None):
    return msgpack.packb({"object": obj, "frame": frame, "position_m": list(p), "quaternion_wxyz": list(q),
                          "confidence": conf, "stamp_s": time.monotonic() if stamp is None else stamp},
                         use_bin_type=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", default="good", choices=["good", "bad"])
    parser.add_argument("--rate-hz", type=float, default=100.0)
    parser.add_argument("--stop-after-s", type=float, default=0.0)
    parser.add_argument("--watch-stdin", action="store_true")
    args = parser.parse_args()
    if args.watch_stdin:
        threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    ctx = zmq.Context()
    sock = ctx.socket(zmq.PUB)
    sock.setsockopt(zmq.LINGER, 0)
    port = sock.bind_to_random_port("tcp://127.0.0.1")
    print(port, flush=True)
    start = time.monotonic()
    while True:
        time.sleep(1.0 / args.rate_hz)
        if args.stop_after_s and time.monotonic() - start > args.stop_after_s:
            continue
        if args.mode == "good":
            sock.send(pose())
            continue
        sock.send(pose(p=(math.nan, 0.0, 0.0)))
        sock.send(pose(p=(1e6, 0.0, 0.0)))
        sock.send(pose(conf=2.0))
        sock.send(pose(q=(0.5, 0.0, 0.0, 0.0)))
        sock.send(pose(obj="teapot"))
        sock.send(pose(frame="moon"))
        sock.send(b"\xc1\xc1 not msgpack")
        sock.send_multipart([pose(), pose()])
        sock.send(pose(p=(0.5, 0.1, 0.02)))


if __name__ == "__main__":
    main()
