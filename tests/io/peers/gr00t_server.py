#!/usr/bin/env python3
"""Loopback stand-in for a GR00T inference server (Isaac-GR00T's RobotInferenceServer, msgpack
variant), used by ocres' C++ client tests (tests/io/wire_gr00t_client_test.cc).

It implements the wire format independently of the C++ code, the way GR00T does (SPEC section 9):
ZeroMQ REP; requests {"endpoint", "data", "api_token"?} as msgpack; numpy arrays as
{"__ndarray_class__": True, "as_npy": <numpy's own np.save bytes>}; errors as {"error": str}.

Policy (deterministic, so tests can check values), with observation keys
"state.single_arm" (1, 7), "state.gripper" (1, 1):
    action.single_arm[t, j] = state.single_arm[0, j] + 0.01 * (t + 1)     shape (16, 7)
    action.gripper[t, 0]    = state.gripper[0, 0]                         shape (16, 1)
The reply also echoes the request's data back ("echo"). --hold answers step 0 (the chunk holds the
state: a safe policy for end-to-end runs). Images: --expect-image, --image-log (image_checks.py).

Prints the chosen port on the first line of stdout, then serves on 127.0.0.1 until killed (or "kill").
Needs Debian's python3-zmq, python3-msgpack and python3-numpy.
"""
import argparse
import io
import json
import os
import sys
import threading
import time

import msgpack
import numpy as np
import zmq

from image_checks import check_images, parse_expectations

HORIZON = 16


def encode_hook(obj):
    if isinstance(obj, np.ndarray):
        buffer = io.BytesIO()
        np.save(buffer, obj, allow_pickle=False)
        return {"__ndarray_class__": True, "as_npy": buffer.getvalue()}
    return obj


def decode_hook(obj):
    if "__ndarray_class__" in obj:
        return np.load(io.BytesIO(obj["as_npy"]), allow_pickle=False)
    return obj


def packb(obj):
    return msgpack.packb(obj, default=encode_hook, use_bin_type=True)


def unpackb(data):
    return msgpack.unpackb(data, object_hook=decode_hook, raw=False)


def get_action(data, dtype, step=0.01):
    state = np.asarray(data["state.single_arm"], dtype=np.float64).reshape(-1)
    gripper = np.asarray(data["state.gripper"], dtype=np.float64).reshape(-1)
    arm = np.zeros((HORIZON, 7))
    for t in range(HORIZON):
        arm[t] = state[:7] + step * (t + 1)
    return {"action.single_arm": arm.astype(dtype),
            "action.gripper": np.full((HORIZON, 1), gripper[0]).astype(dtype),
            "echo": data}


def exit_when_stdin_closes():
    # os.read, not sys.stdin: a daemon thread blocked inside a buffered reader breaks interpreter shutdown.
    while os.read(0, 4096):
        pass
    os._exit(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--api-token", default="", help="require this api_token when non-empty")
    parser.add_argument("--actions-dtype", default="float32")
    parser.add_argument("--mode", default="normal",
                        choices=["normal", "error", "slow", "malformed-bytes", "not-map", "bad-array"])
    parser.add_argument("--bad-requests", type=int, default=-1,
                        help="how many first get_action requests get --mode (-1: all)")
    parser.add_argument("--delay-s", type=float, default=1.0, help="delay of --mode slow")
    parser.add_argument("--watch-stdin", action="store_true",
                        help="exit when stdin closes (tests keep it open; a crashed test leaves no server)")
    parser.add_argument("--die-after", type=int, default=0, help="exit after this many replies (0: never)")
    parser.add_argument("--hold", action="store_true", help="answer the state itself (no 0.01 steps)")
    parser.add_argument("--expect-image", action="append", help="KEY=SHAPE[:SEED] (image_checks.py)")
    parser.add_argument("--image-log", default="", help="append one line per checked image here")
    args = parser.parse_args()
    images = parse_expectations(args.expect_image)
    if args.watch_stdin:
        threading.Thread(target=exit_when_stdin_closes, daemon=True).start()

    context = zmq.Context()
    socket = context.socket(zmq.REP)
    socket.setsockopt(zmq.LINGER, 1000)
    if args.port == 0:
        port = socket.bind_to_random_port("tcp://127.0.0.1")
    else:
        socket.bind(f"tcp://127.0.0.1:{args.port}")
        port = args.port
    print(port, flush=True)

    actions = 0
    replies = 0
    running = True
    while running:
        message = socket.recv()
        reply = None
        try:
            request = unpackb(message)
            if args.api_token and request.get("api_token") != args.api_token:
                reply = packb({"error": "Unauthorized: Invalid API token"})
            else:
                endpoint = request.get("endpoint", "get_action")
                if endpoint == "ping":
                    reply = packb({"status": "ok", "message": "Server is running"})
                elif endpoint == "kill":
                    running = False
                    reply = packb(None)
                elif endpoint == "get_modality_config":
                    config = {"modality_keys": ["state.single_arm", "state.gripper"], "delta_indices": [0]}
                    reply = packb({"state": {"__ModalityConfig_class__": True, "as_json": json.dumps(config)}})
                elif endpoint == "get_action":
                    actions += 1
                    mode = args.mode if (args.bad_requests < 0 or actions <= args.bad_requests) else "normal"
                    if mode == "slow":
                        time.sleep(args.delay_s)
                    if mode == "error":
                        raise RuntimeError("policy exploded on purpose (test error mode)")
                    if mode == "malformed-bytes":
                        reply = b"\xc1 this is not msgpack"
                    elif mode == "not-map":
                        reply = packb([1, 2, 3])
                    elif mode == "bad-array":
                        buffer = io.BytesIO()
                        np.save(buffer, np.zeros((2, 2), np.float32), allow_pickle=False)
                        npy = buffer.getvalue()[:-4]  # truncated data
                        reply = packb({"action.single_arm": {"__ndarray_class__": True, "as_npy": npy}})
                    else:
                        check_images(request["data"], images, args.image_log)
                        reply = packb(get_action(request["data"], args.actions_dtype, 0.0 if args.hold else 0.01))
                else:
                    raise ValueError(f"Unknown endpoint: {endpoint}")
        except Exception as error:  # what GR00T's server does on any exception
            reply = packb({"error": str(error)})
        socket.send(reply)
        replies += 1
        if args.die_after > 0 and replies >= args.die_after:
            time.sleep(0.05)  # let ZeroMQ's I/O thread flush the reply
            os._exit(0)
    socket.close()
    context.term()


if __name__ == "__main__":
    main()
