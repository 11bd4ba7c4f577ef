#!/usr/bin/env python3
"""Loopback stand-in for an openpi policy server (openpi's serve_policy.py / WebsocketPolicyServer),
used by ocres' C++ client tests (tests/io/wire_openpi_client_test.cc).

It implements the wire format independently of the C++ code, the way openpi does (SPEC section 9):
binary websocket frames holding msgpack maps; numpy arrays as {b"__ndarray__": True, b"data": bytes,
b"dtype": dtype.str, b"shape": shape} with *bytes* (msgpack bin) keys; a metadata map sent first on
connect; an error as a text frame followed by close code 1011; GET /healthz answering 200.

Policy (deterministic, so tests can check values):
    actions[t, j] = joint_position[j] + 0.01 * (t + 1)   for j < 7
    actions[t, 7] = gripper_position[0]
The reply also echoes the whole observation back ("echo"), numpy arrays re-encoded by this script.

Prints the chosen port on the first line of stdout, then serves on 127.0.0.1 until killed.
Needs Debian's python3-websockets (10.4, legacy asyncio API), python3-msgpack and python3-numpy.
"""
import argparse
import asyncio
import http
import os
import sys
import threading
import time

import msgpack
import numpy as np
import websockets
import websockets.server

from image_checks import check_images, parse_expectations


def pack_default(obj):
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in ("V", "O", "c"):
            raise ValueError(f"unsupported dtype {obj.dtype}")
        obj = np.ascontiguousarray(obj)
        return {b"__ndarray__": True, b"data": obj.tobytes(), b"dtype": obj.dtype.str,
                b"shape": list(obj.shape)}
    if isinstance(obj, np.generic):
        return {b"__npgeneric__": True, b"data": obj.item(), b"dtype": obj.dtype.str}
    return obj


def unpack_hook(obj):
    if b"__ndarray__" in obj:
        return np.ndarray(buffer=obj[b"data"], dtype=np.dtype(obj[b"dtype"]), shape=obj[b"shape"])
    if b"__npgeneric__" in obj:
        return np.dtype(obj[b"dtype"]).type(obj[b"data"])
    return obj


def packb(obj):
    return msgpack.packb(obj, default=pack_default, use_bin_type=True)


def unpackb(data):
    return msgpack.unpackb(data, object_hook=unpack_hook, raw=False)


class Server:
    def __init__(self, args):
        self.args = args
        self.requests = 0  # inference requests seen, over all connections
        self.replies = 0

    def misbehaves(self):
        return self.args.bad_requests < 0 or self.requests <= self.args.bad_requests

    def policy(self, obs):
        joints = np.asarray(obs["observation/joint_position"], dtype=np.float64).reshape(-1)
        gripper = np.asarray(obs["observation/gripper_position"], dtype=np.float64).reshape(-1)
        horizon = self.args.horizon
        actions = np.zeros((horizon, 8), dtype=np.float64)
        for t in range(horizon):
            actions[t, :7] = joints[:7] + 0.01 * (t + 1)
            actions[t, 7] = gripper[0]
        return actions.astype(self.args.actions_dtype)

    async def handler(self, websocket, path=None):
        await websocket.send(packb(self.args.metadata_map))
        while True:
            try:
                message = await websocket.recv()
            except websockets.ConnectionClosed:
                return
            self.requests += 1
            mode = self.args.mode if self.misbehaves() else "normal"
            start = time.monotonic()
            try:
                if mode == "slow":
                    await asyncio.sleep(self.args.delay_s)
                if mode == "error":
                    raise RuntimeError("policy exploded on purpose (test error mode)")
                if isinstance(message, str):
                    raise ValueError("expected a binary frame")
                obs = unpackb(message)
                check_images(obs, self.args.images, self.args.image_log)
                if mode == "malformed-bytes":
                    reply = b"\xc1 this is not msgpack"
                elif mode == "not-map":
                    reply = packb([1, 2, 3])
                elif mode == "bad-array":
                    # The shape says 4 float32 (16 bytes) but only 12 bytes follow.
                    reply = packb({"actions": {b"__ndarray__": True, b"data": b"\0" * 12,
                                               b"dtype": "<f4", b"shape": [2, 2]}})
                else:
                    response = {"actions": self.policy(obs), "echo": obs,
                                "policy_timing": {"infer_ms": 1000 * (time.monotonic() - start)}}
                    response["server_timing"] = {"infer_ms": 1000 * (time.monotonic() - start)}
                    reply = packb(response)
                await websocket.send(reply)
                if mode == "double-reply":  # a protocol violation: an unsolicited second message
                    await websocket.send(reply)
            except websockets.ConnectionClosed:
                return
            except Exception as error:  # what openpi's server does on any exception
                await websocket.send(f"Traceback (most recent call last):\n  {type(error).__name__}: {error}\n")
                await websocket.close(code=1011, reason="Internal server error. Traceback included in previous frame.")
                return
            self.replies += 1
            if self.args.die_after > 0 and self.replies >= self.args.die_after:
                await asyncio.sleep(0.05)  # let the kernel flush the reply
                os._exit(0)

    async def process_request(self, path, request_headers):
        if path == "/healthz":
            return http.HTTPStatus.OK, [], b"OK\n"
        return None


def exit_when_stdin_closes():
    # os.read, not sys.stdin: a daemon thread blocked inside a buffered reader breaks interpreter shutdown.
    while os.read(0, 4096):
        pass
    os._exit(0)


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--horizon", type=int, default=10)
    parser.add_argument("--actions-dtype", default="float32")
    parser.add_argument("--mode", default="normal",
                        choices=["normal", "error", "slow", "malformed-bytes", "not-map", "bad-array",
                                 "double-reply"])
    parser.add_argument("--bad-requests", type=int, default=-1,
                        help="how many first requests get --mode (-1: all); later ones are normal")
    parser.add_argument("--delay-s", type=float, default=1.0, help="delay of --mode slow")
    parser.add_argument("--watch-stdin", action="store_true",
                        help="exit when stdin closes (tests keep it open; a crashed test leaves no server)")
    parser.add_argument("--die-after", type=int, default=0, help="exit after this many replies (0: never)")
    parser.add_argument("--metadata", default="empty", choices=["empty", "some"])
    parser.add_argument("--expect-image", action="append", help="KEY=SHAPE[:SEED] (image_checks.py)")
    parser.add_argument("--image-log", default="", help="append one line per checked image here")
    args = parser.parse_args()
    args.images = parse_expectations(args.expect_image)
    if args.watch_stdin:
        threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    args.metadata_map = {} if args.metadata == "empty" else {"policy": "stand-in", "action_horizon": args.horizon}
    server = Server(args)
    async with websockets.serve(server.handler, "127.0.0.1", args.port, compression=None, max_size=None,
                                process_request=server.process_request) as ws_server:
        print(ws_server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
