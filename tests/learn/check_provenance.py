"""Independent check (h5py + hashlib) of the provenance ocres writes into fine-tuning datasets.

usage: check_provenance.py FILE EPISODES KIND=COUNT[,KIND=COUNT...]
  EPISODES  expected number of episodes
  KIND      'dataset' (episodes from a file without per-episode provenance, e.g. demos) or 'rollouts'
"""
import hashlib
import json
import os
import sys

import h5py


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            h.update(block)
    return h.hexdigest()


def check_ref(ref, what):
    assert set(ref) == {"path", "sha256"}, (what, ref)
    assert len(ref["sha256"]) == 64 and all(c in "0123456789abcdef" for c in ref["sha256"]), (what, ref)
    if os.path.exists(ref["path"]):  # the hash is of the file's content
        assert sha256(ref["path"]) == ref["sha256"], (what, ref["path"])


def check_rollouts(p):
    for key in ("task", "domain", "collection_seed", "episodes", "kept", "filter", "round", "arm"):
        assert key in p, (key, p)
    assert p["filter"] == "success", p
    assert 0 <= p["kept"] <= p["episodes"], p
    assert p["arm"] in ("corrected", "control"), p
    check_ref(p["base"], "base")
    if p["arm"] == "corrected":
        check_ref(p["residual"], "residual")
    else:
        assert p["residual"] is None, p


path, expected, kinds = sys.argv[1], int(sys.argv[2]), sys.argv[3]
want = {k: int(v) for k, v in (item.split("=") for item in kinds.split(","))}
with h5py.File(path, "r") as f:
    data = f["data"]
    env_args = json.loads(data.attrs["env_args"])
    demos = sorted((k for k in data.keys() if k.startswith("demo_")), key=lambda k: int(k[5:]))
    assert len(demos) == expected, (len(demos), expected)
    counts = {}
    for name in demos:
        raw = data[name].attrs["provenance"]
        p = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
        counts[p["kind"]] = counts.get(p["kind"], 0) + 1
        if p["kind"] == "rollouts":
            check_rollouts(p)
            assert bool(data[name].attrs["success"]), name  # the success filter
        else:
            assert p["kind"] == "dataset", p
            check_ref({"path": p["path"], "sha256": p["sha256"]}, "dataset")
            assert p["env_args"]["task"] == env_args["task"], p
    assert counts == {k: v for k, v in want.items() if v > 0}, (counts, want)
    assert sum(s["episodes"] for s in env_args["sources"]) == expected, env_args["sources"]
    for c in env_args.get("collections", []):
        check_rollouts(c)
print("ok")
