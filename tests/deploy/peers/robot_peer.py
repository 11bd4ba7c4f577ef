#!/usr/bin/env python3
"""A kinematic stand-in for a robot bridge (docs/deploy.md), written independently of the C++ code with
Python's msgpack, for ocres' deployment tests (tests/deploy).

ZeroMQ REP on 127.0.0.1. The "robot" tracks every commanded TCP target perfectly and at once; its clock
is time.monotonic() (the same clock tests/deploy/peers/pose_peer.py stamps poses with). It never
reports reward or success (a real robot does not). Failure modes for the safety tests:
  --die-after N     exit after N replies (the bridge process dies)
  --freeze-after N  after N commands the state stops advancing (stale proprioception)
  --stuck           the TCP never moves (commanded vs measured diverge)
  --garbage-after N after N replies, answer with bytes that are not msgpack
Prints the port on the first line of stdout.
"""
import argparse
import os
import sys
import threading
import time

import msgpack
import zmq

HOME_P = [0.45, 0.0, 0.30]
HOME_Q = [0.0, 1.0, 0.0, 0.0]  # w x y z: TCP z pointing down
HOME_Q_RAD = [0.0, 0.0, 0.0, -1.5708, 0.0, 1.5708, -0.7854]


def exit_when_stdin_closes():
    while os.read(0, 4096):
        pass
    os._exit(0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--die-after", type=int, default=0)
    parser.add_argument("--freeze-after", type=int, default=0)
    parser.add_argument("--garbage-after", type=int, default=0)
    parser.add_argument("--stuck", action="store_true")
    parser.add_argument("--watch-stdin", action="store_true")
    args = parser.parse_args()
    if args.watch_stdin:
        threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    ctx = zmq.Context()
    sock = ctx.socket(zmq.REP)
    sock.setsockopt(zmq.LINGER, 0)
    port = sock.bind_to_random_port("tcp://127.0.0.1")
    print(port, flush=True)

    p, q, grip = list(HOME_P), list(HOME_Q), 0.08
    seq = 0
    commands = 0
    stops = 0
    replies = 0
    frozen_stamp = None
    while True:
        req = msgpack.unpackb(sock.recv(), raw=False)
        kind = req.get("type")
        if kind == "reset":
            p, q, grip = list(HOME_P), list(HOME_Q), 0.08
            commands = 0
            frozen_stamp = None
        elif kind == "command":
            commands += 1
            if not args.stuck:
                p, q, grip = list(req["p_BT_m"]), list(req["q_BT_wxyz"]), float(req["gripper_width_m"])
        elif kind == "stop":
            stops += 1
        seq += 1
        stamp = time.monotonic()
        if args.freeze_after and commands >= args.freeze_after:
            frozen_stamp = frozen_stamp if frozen_stamp is not None else stamp
            stamp = frozen_stamp
        if args.garbage_after and replies >= args.garbage_after:
            sock.send(b"\xc1 not msgpack")
        else:
            state = {"type": "state", "seq": seq, "stamp_s": stamp, "q_rad": HOME_Q_RAD, "dq_rad_s": [0.0] * 7,
                     "p_BT_m": p, "q_BT_wxyz": q, "gripper_width_m": grip, "finger_m": [grip / 2, grip / 2],
                     "stops": stops}  # an extra key: clients must skip unknown keys
            sock.send(msgpack.packb(state, use_bin_type=True))
        replies += 1
        if args.die_after and replies >= args.die_after:
            os._exit(0)


if __name__ == "__main__":
    main()
