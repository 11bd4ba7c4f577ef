#!/usr/bin/env python3
"""Convert an ocres robomimic-layout HDF5 file into a LeRobot v2.1 dataset (+ GR00T's meta/modality.json).

Input: what `ocres demos`, `ocres replay` (and deployment logs in the same layout) write:
  /data/demo_N/actions            float32 [T, 8]   absolute TCP target, robot base frame:
                                                   position (m), quaternion (w, x, y, z), gripper width (m)
  /data/demo_N/obs/robot          float32 [T, 10]  TCP position (3), quaternion (w, x, y, z), gripper width,
                                                   finger openings (2)
  /data/demo_N/obs/robot_q        float32 [T, 7]   joint positions (rad)                   (optional)
  /data/demo_N/obs/object_poses   float32 [T, 7n]  true object poses (position + quaternion) (optional)
  /data/demo_N/obs/task_scalars   float32 [T, m]   e.g. drawer opening                     (optional)
  /data/demo_N/obs/<cam>_image    uint8 [T, H, W, 3] camera frames (`--images`)          (optional)
  /data/demo_N/rewards, dones     [T]
  /data attrs env_args (JSON: task, domain, ...), demo attrs num_samples, seed, success, and optionally
  provenance (JSON string: which checkpoints/dataset produced the episode; `ocres improve`, `ocres merge-datasets`)

Output (LeRobot codebase v2.1, what GR00T N1.5 and openpi fine-tuning read):
  meta/info.json, meta/episodes.jsonl, meta/tasks.jsonl, meta/episodes_stats.jsonl (v2.1), meta/stats.json
  (all episodes pooled: GR00T and v2.0 tools read it), meta/modality.json (GR00T)
  data/chunk-000/episode_000000.parquet ...    one row per control step (20 Hz)
  videos/chunk-000/observation.images.<cam>/episode_000000.mp4 ...   when the HDF5 has images
  meta/ocres_env_args.json, meta/ocres_provenance.jsonl   the HDF5's env_args and, per episode, its source
                                                          episode, seed, success and provenance (LeRobot
                                                          ignores files it does not know)

Row t pairs observation.state at step t with action t (the target executed from that state), like robomimic.
Columns: observation.state float32[10 (+7)] = obs/robot (+ obs/robot_q); action float32[8];
observation.environment_state float32[7n + m] = object poses + task scalars (kept for analysis; GR00T's
modality.json does not expose it, since a VLA must not see true poses); timestamp, frame_index,
episode_index, index, task_index, next.reward, next.done, annotation.human.task_description (= task_index).
Cameras: agentview_image -> observation.images.front, robot0_eye_in_hand_image -> observation.images.wrist,
any other <name>_image -> observation.images.<name>.

Usage:
  python3 tools/hdf5_to_lerobot.py runs/lift/demos_sim.hdf5 --out runs/lift/lerobot_sim
  python3 tools/hdf5_to_lerobot.py runs/lift/demos_sim.hdf5 --check    # plan only, JSON on stdout

Requirements: h5py and numpy always; for writing, pyarrow (Parquet) and the ffmpeg program (videos, H.264
when ffmpeg has libx264). Run it where `lerobot` is installed (it brings pyarrow). `--check` needs only
h5py + numpy (Debian: python3-h5py python3-numpy): it reads the whole file, validates it and prints the
planned metadata (info, episodes, tasks, modality, per-episode stats) without writing anything.
"""

import argparse
import json
import math
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

CODEBASE_VERSION = "v2.1"
CHUNKS_SIZE = 1000  # episodes per chunk directory, LeRobot's default
ROBOT_TYPE = "franka_fr3"
DATA_PATH = "data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet"
VIDEO_PATH = "videos/chunk-{episode_chunk:03d}/{video_key}/episode_{episode_index:06d}.mp4"

# Language instruction per ocres task (a VLA is prompted with it); --task-text overrides.
TASK_TEXT = {
    "lift": "pick up the wooden block and lift it",
    "pick_place": "put the red block in the white bowl",
    "stack": "stack the white cube on the green cube",
    "drawer": "close the open drawer",
    "cup": "stand the cup upright",
}

# robomimic camera key -> LeRobot / GR00T camera name.
CAMERA_NAMES = {"agentview_image": "front", "robot0_eye_in_hand_image": "wrist"}

# Index layout of the concatenated vectors, for names and GR00T's modality.json: (key, start, end, extra).
ROBOT_DIM, JOINTS_DIM, ACTION_DIM = 10, 7, 8
STATE_PARTS = [
    ("eef_position", 0, 3, {}),
    ("eef_quaternion", 3, 7, {"rotation_type": "quaternion"}),  # (w, x, y, z), scalar first
    ("gripper", 7, 8, {}),  # width (m), 0 closed .. 0.08 open
    ("fingers", 8, 10, {}),  # per-finger opening (m)
]
JOINT_PART = ("joint_position", ROBOT_DIM, ROBOT_DIM + JOINTS_DIM, {})
ACTION_PARTS = [
    ("eef_position", 0, 3, {}),  # absolute targets: GR00T's default ("absolute": true) applies
    ("eef_quaternion", 3, 7, {"rotation_type": "quaternion"}),
    ("gripper", 7, 8, {}),
]
STATE_NAMES = ["eef_x", "eef_y", "eef_z", "eef_qw", "eef_qx", "eef_qy", "eef_qz", "gripper_width",
               "finger_left", "finger_right"]
JOINT_NAMES = ["joint%d" % (i + 1) for i in range(JOINTS_DIM)]
ACTION_NAMES = ["target_x", "target_y", "target_z", "target_qw", "target_qx", "target_qy", "target_qz",
                "gripper_width"]
ANNOTATION_KEY = "human.task_description"  # column annotation.human.task_description


class ConversionError(Exception):
    """The input is not a dataset this converter understands (message names the file and the problem)."""


def natural_demo_order(names):
    demos = [n for n in names if n.startswith("demo_") and n[5:].isdigit()]
    return sorted(demos, key=lambda n: int(n[5:]))


def camera_name(obs_key):
    if obs_key in CAMERA_NAMES:
        return CAMERA_NAMES[obs_key]
    return obs_key[:-len("_image")] if obs_key.endswith("_image") else obs_key


def read_provenance(group):
    """The episode's `provenance` attribute (a JSON string) as an object; the raw text if it is not JSON; None if absent."""
    raw = group.attrs.get("provenance")
    if raw is None:
        return None
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    try:
        return json.loads(str(raw))
    except ValueError:
        return str(raw)


def read_episode_layout(path, group, name):
    """Shapes of one episode, validated; returns a dict. Reads no bulk data."""
    where = "%s: %s" % (path, name)
    if "num_samples" not in group.attrs:
        raise ConversionError(where + ": missing attribute num_samples")
    n = int(group.attrs["num_samples"])
    if "actions" not in group or "obs" not in group:
        raise ConversionError(where + ": needs actions and obs/")
    if group["actions"].shape != (n, ACTION_DIM):
        raise ConversionError("%s: actions has shape %s, expected (%d, %d)" % (where, group["actions"].shape, n, ACTION_DIM))
    obs = group["obs"]
    if "robot" not in obs or obs["robot"].shape != (n, ROBOT_DIM):
        raise ConversionError("%s: obs/robot must be (%d, %d) (TCP pose, gripper, fingers)" % (where, n, ROBOT_DIM))
    layout = {"name": name, "length": n, "joints": False, "env_dims": [], "images": {},
              "success": bool(int(group.attrs.get("success", 0))), "seed": int(group.attrs.get("seed", 0)),
              "provenance": read_provenance(group)}
    if "robot_q" in obs:
        if obs["robot_q"].shape != (n, JOINTS_DIM):
            raise ConversionError("%s: obs/robot_q has shape %s" % (where, obs["robot_q"].shape))
        layout["joints"] = True
    for key in ("object_poses", "task_scalars"):
        if key in obs:
            shape = obs[key].shape
            if len(shape) != 2 or shape[0] != n:
                raise ConversionError("%s: obs/%s has shape %s" % (where, key, shape))
            layout["env_dims"].append((key, shape[1]))
    for key in sorted(obs.keys()):
        ds = obs[key]
        if ds.ndim == 4:
            if ds.dtype != np.uint8 or ds.shape[0] != n or ds.shape[3] != 3:
                raise ConversionError("%s: obs/%s has %s %s, expected uint8 (%d, H, W, 3)" % (where, key, ds.dtype, ds.shape, n))
            layout["images"][key] = tuple(int(x) for x in ds.shape[1:])
    for key in ("rewards", "dones"):
        if key in group and group[key].shape != (n,):
            raise ConversionError("%s: %s has shape %s, expected (%d,)" % (where, key, group[key].shape, n))
    return layout


def load_episode(group, layout):
    """Per-frame columns of one episode as numpy arrays (images stay in the file)."""
    n = layout["length"]
    obs = group["obs"]
    state = np.asarray(obs["robot"][()], dtype=np.float32)
    if layout["joints"]:
        state = np.concatenate([state, np.asarray(obs["robot_q"][()], dtype=np.float32)], axis=1)
    cols = {"observation.state": state, "action": np.asarray(group["actions"][()], dtype=np.float32)}
    if layout["env_dims"]:
        cols["observation.environment_state"] = np.concatenate(
            [np.asarray(obs[k][()], dtype=np.float32).reshape(n, d) for k, d in layout["env_dims"]], axis=1)
    rewards = np.asarray(group["rewards"][()], dtype=np.float32) if "rewards" in group else np.zeros(n, np.float32)
    dones = np.asarray(group["dones"][()]) != 0 if "dones" in group else np.arange(n) == n - 1
    cols["next.reward"] = rewards
    cols["next.done"] = dones
    if not np.all(np.isfinite(state)) or not np.all(np.isfinite(cols["action"])):
        raise ConversionError("%s: non-finite state or action" % layout["name"])
    return cols


def sample_frames(ds, max_frames=100):
    """Evenly spaced frames of an image dataset [T, H, W, 3] -> [k, 3, H, W] (channel first, as LeRobot)."""
    n = ds.shape[0]
    idx = np.unique(np.linspace(0, n - 1, num=min(n, max_frames)).round().astype(int))
    frames = np.stack([ds[int(i)] for i in idx])
    return np.transpose(frames, (0, 3, 1, 2))


def feature_stats(array, image=False):
    """LeRobot v2.1 per-episode stats: min, max, mean, std, count; images per channel, in [0, 1], shape (3, 1, 1)."""
    if image:
        a = array.astype(np.float64)
        out = {"min": a.min(axis=(0, 2, 3), keepdims=True), "max": a.max(axis=(0, 2, 3), keepdims=True),
               "mean": a.mean(axis=(0, 2, 3), keepdims=True), "std": a.std(axis=(0, 2, 3), keepdims=True)}
        out = {k: v[0] / 255.0 for k, v in out.items()}
    else:
        a = np.asarray(array, dtype=np.float64)
        keep = a.ndim == 1
        out = {"min": a.min(axis=0, keepdims=keep), "max": a.max(axis=0, keepdims=keep),
               "mean": a.mean(axis=0, keepdims=keep), "std": a.std(axis=0, keepdims=keep)}
    out["count"] = np.array([len(array)])
    return out


def aggregate_stats(per_episode):
    """Pools per-episode stats (weighted mean, pooled variance): meta/stats.json."""
    keys = sorted({k for ep in per_episode for k in ep})
    pooled = {}
    for key in keys:
        items = [ep[key] for ep in per_episode if key in ep]
        counts = np.array([float(s["count"][0]) for s in items])
        means = np.stack([np.asarray(s["mean"], dtype=np.float64) for s in items])
        variances = np.stack([np.asarray(s["std"], dtype=np.float64) ** 2 for s in items])
        w = (counts / counts.sum()).reshape((-1,) + (1,) * (means.ndim - 1))
        mean = (w * means).sum(axis=0)
        var = (w * (variances + (means - mean) ** 2)).sum(axis=0)
        pooled[key] = {"min": np.min(np.stack([s["min"] for s in items]), axis=0),
                       "max": np.max(np.stack([s["max"] for s in items]), axis=0),
                       "mean": mean, "std": np.sqrt(var), "count": np.array([int(counts.sum())])}
    return pooled


def to_json(stats):
    return {k: {s: np.asarray(v).tolist() for s, v in d.items()} for k, d in stats.items()}


def video_codec():
    """(ffmpeg encoder arguments, codec name for info.json); H.264 when ffmpeg has libx264."""
    try:
        out = subprocess.run(["ffmpeg", "-hide_banner", "-encoders"], capture_output=True, text=True, check=False).stdout
    except FileNotFoundError:
        return None, None
    # -g 2: a key frame every other frame, as LeRobot encodes, so that random frame access is cheap.
    if "libx264" in out:
        return ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "2", "-crf", "23"], "h264"
    return ["-c:v", "mpeg4", "-pix_fmt", "yuv420p", "-g", "2", "-q:v", "3"], "mpeg4"


def plan(path, args):
    """Reads and validates the HDF5 file; returns (plan dict, layouts). Needs only h5py and numpy."""
    if not os.path.exists(path):
        raise ConversionError("%s does not exist" % path)
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise ConversionError("%s is not a readable HDF5 file (truncated or corrupt?): %s" % (path, e))
    with f:
        if "data" not in f:
            raise ConversionError("%s has no /data group (not a robomimic dataset)" % path)
        data = f["data"]
        try:
            env_args = json.loads(data.attrs.get("env_args", "{}"))
        except (TypeError, ValueError):
            env_args = {}
        names = natural_demo_order(data.keys())
        if args.mask:
            if "mask/" + args.mask not in f:
                raise ConversionError("%s has no /mask/%s" % (path, args.mask))
            wanted = {s.decode() if isinstance(s, bytes) else str(s) for s in f["mask/" + args.mask][()]}
            names = [n for n in names if n in wanted]
        layouts = [read_episode_layout(path, data[n], n) for n in names]
        if args.only_success:
            layouts = [l for l in layouts if l["success"]]
        if args.max_episodes is not None:
            layouts = layouts[:args.max_episodes]
        if not layouts:
            raise ConversionError("%s: no episodes to convert" % path)
        first = layouts[0]
        for l in layouts[1:]:
            if (l["joints"], l["env_dims"], l["images"]) != (first["joints"], first["env_dims"], first["images"]):
                raise ConversionError("%s: %s has a different observation layout than %s" % (path, l["name"], first["name"]))

        task = env_args.get("task", "")
        task_text = args.task_text or TASK_TEXT.get(task)
        if not task_text:
            raise ConversionError("%s: env_args names task %r, which has no instruction; pass --task-text" % (path, task))
        fps = float(args.fps if args.fps else env_args.get("control_hz", 20))
        if fps <= 0:
            raise ConversionError("%s: fps must be positive, got %g" % (path, fps))
        if fps.is_integer():
            fps = int(fps)  # LeRobot writes an integer fps

        state_dim = ROBOT_DIM + (JOINTS_DIM if first["joints"] else 0)
        features = {
            "observation.state": {"dtype": "float32", "shape": [state_dim],
                                  "names": STATE_NAMES + (JOINT_NAMES if first["joints"] else [])},
            "action": {"dtype": "float32", "shape": [ACTION_DIM], "names": ACTION_NAMES},
        }
        env_dim = sum(d for _, d in first["env_dims"])
        if env_dim:
            env_names = []
            for key, d in first["env_dims"]:
                if key == "object_poses":
                    for i in range(d // 7):
                        env_names += ["object%d_%s" % (i, c) for c in ("x", "y", "z", "qw", "qx", "qy", "qz")]
                else:
                    env_names += ["%s_%d" % (key, i) for i in range(d)]
            features["observation.environment_state"] = {"dtype": "float32", "shape": [env_dim], "names": env_names}
        encoder, codec = video_codec() if first["images"] else (None, None)
        video_keys = {}
        for key, (h, w, c) in sorted(first["images"].items()):
            vkey = "observation.images." + camera_name(key)
            video_keys[key] = vkey
            features[vkey] = {
                "dtype": "video", "shape": [h, w, c], "names": ["height", "width", "channels"],
                "info": {"video.height": h, "video.width": w, "video.codec": codec or "h264", "video.pix_fmt": "yuv420p",
                         "video.is_depth_map": False, "video.fps": fps, "video.channels": c, "has_audio": False}}
        for key, dtype in (("timestamp", "float32"), ("frame_index", "int64"), ("episode_index", "int64"),
                           ("index", "int64"), ("task_index", "int64"), ("next.reward", "float32"),
                           ("next.done", "bool"), ("annotation." + ANNOTATION_KEY, "int64")):
            features[key] = {"dtype": dtype, "shape": [1], "names": None}

        n_ep = len(layouts)
        info = {
            "codebase_version": CODEBASE_VERSION, "robot_type": ROBOT_TYPE,
            "total_episodes": n_ep, "total_frames": int(sum(l["length"] for l in layouts)),
            "total_tasks": 1, "total_videos": n_ep * len(video_keys),
            "total_chunks": int(math.ceil(n_ep / CHUNKS_SIZE)), "chunks_size": CHUNKS_SIZE,
            "fps": fps, "splits": {"train": "0:%d" % n_ep},
            "data_path": DATA_PATH, "video_path": VIDEO_PATH if video_keys else None,
            "features": features,
        }
        tasks = [{"task_index": 0, "task": task_text}]
        episodes = [{"episode_index": i, "tasks": [task_text], "length": l["length"]} for i, l in enumerate(layouts)]

        def part(parts):
            return {k: dict({"start": s, "end": e}, **extra) for k, s, e, extra in parts}

        modality = {
            "state": part(STATE_PARTS + ([JOINT_PART] if first["joints"] else [])),
            "action": part(ACTION_PARTS),
            "video": {camera_name(k): {"original_key": v} for k, v in video_keys.items()},
            "annotation": {ANNOTATION_KEY: {}},
        }
        if not video_keys:
            del modality["video"]

        # Per-episode stats of every numeric column and camera (images: sampled frames from the HDF5).
        episodes_stats = []
        offset = 0
        for i, l in enumerate(layouts):
            cols = load_episode(data[l["name"]], l)
            n = l["length"]
            cols["timestamp"] = np.arange(n, dtype=np.float32) / np.float32(fps)
            cols["frame_index"] = np.arange(n, dtype=np.int64)
            cols["episode_index"] = np.full(n, i, dtype=np.int64)
            cols["index"] = np.arange(offset, offset + n, dtype=np.int64)
            cols["task_index"] = np.zeros(n, dtype=np.int64)
            cols["annotation." + ANNOTATION_KEY] = cols["task_index"]
            offset += n
            stats = {k: feature_stats(v) for k, v in cols.items()}
            for key, vkey in video_keys.items():
                stats[vkey] = feature_stats(sample_frames(data[l["name"]]["obs"][key]), image=True)
            episodes_stats.append(stats)

        files = ["meta/info.json", "meta/episodes.jsonl", "meta/tasks.jsonl", "meta/episodes_stats.jsonl",
                 "meta/stats.json", "meta/modality.json", "meta/ocres_env_args.json", "meta/ocres_provenance.jsonl"]
        # Where every episode comes from (kept beside LeRobot's metadata, which has no place for it).
        provenance = [{"episode_index": i, "source_episode": l["name"], "seed": l["seed"], "success": l["success"],
                       "provenance": l["provenance"]} for i, l in enumerate(layouts)]
        for i in range(n_ep):
            files.append(DATA_PATH.format(episode_chunk=i // CHUNKS_SIZE, episode_index=i))
            for vkey in video_keys.values():
                files.append(VIDEO_PATH.format(episode_chunk=i // CHUNKS_SIZE, video_key=vkey, episode_index=i))
        result = {"source": path, "env_args": env_args, "info": info, "tasks": tasks, "episodes": episodes,
                  "modality": modality, "episodes_stats": episodes_stats, "files": files, "provenance": provenance,
                  "video_encoder": encoder, "video_keys": video_keys}
        return result, layouts


def write_video(path, frames_ds, fps, encoder):
    n, h, w, _ = frames_ds.shape
    cmd = ["ffmpeg", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "%dx%d" % (w, h),
           "-r", str(fps), "-i", "-"] + encoder + [path]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    for t in range(n):
        proc.stdin.write(np.ascontiguousarray(frames_ds[t]).tobytes())
    proc.stdin.close()
    if proc.wait() != 0:
        raise ConversionError("ffmpeg failed to write %s" % path)


def write_dataset(path, p, layouts, out, overwrite):
    try:
        import pyarrow.parquet  # noqa: F401 (imported again where used)
    except ImportError:
        raise ConversionError("writing Parquet needs pyarrow (installed with lerobot); --check needs only h5py + numpy")
    if p["video_keys"] and p["video_encoder"] is None:
        raise ConversionError("the dataset has images: encoding videos needs the ffmpeg program")
    if os.path.exists(out):
        if not overwrite:
            raise ConversionError("%s exists (pass --overwrite to replace it)" % out)
    tmp = out.rstrip("/") + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        write_files(path, p, layouts, tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # never leave a half-written dataset behind
        raise
    if os.path.exists(out):
        shutil.rmtree(out)
    os.rename(tmp, out)


def write_files(path, p, layouts, tmp):
    import pyarrow as pa
    import pyarrow.parquet as pq
    os.makedirs(os.path.join(tmp, "meta"))
    info = p["info"]
    fps = info["fps"]
    index = 0
    with h5py.File(path, "r") as f:
        data = f["data"]
        for i, l in enumerate(layouts):
            g = data[l["name"]]
            cols = load_episode(g, l)
            n = l["length"]
            table = {}
            for key in ("observation.state", "action", "observation.environment_state"):
                if key in cols:
                    d = cols[key].shape[1]
                    table[key] = pa.array(list(cols[key]), type=pa.list_(pa.float32(), d))
            table["timestamp"] = pa.array(np.arange(n, dtype=np.float32) / np.float32(fps))
            table["frame_index"] = pa.array(np.arange(n, dtype=np.int64))
            table["episode_index"] = pa.array(np.full(n, i, dtype=np.int64))
            table["index"] = pa.array(np.arange(index, index + n, dtype=np.int64))
            table["task_index"] = pa.array(np.zeros(n, dtype=np.int64))
            table["next.reward"] = pa.array(cols["next.reward"])
            table["next.done"] = pa.array(cols["next.done"])
            table["annotation." + ANNOTATION_KEY] = pa.array(np.zeros(n, dtype=np.int64))
            index += n
            rel = DATA_PATH.format(episode_chunk=i // CHUNKS_SIZE, episode_index=i)
            os.makedirs(os.path.dirname(os.path.join(tmp, rel)), exist_ok=True)
            pq.write_table(pa.table(table), os.path.join(tmp, rel))
            for key, vkey in p["video_keys"].items():
                rel = VIDEO_PATH.format(episode_chunk=i // CHUNKS_SIZE, video_key=vkey, episode_index=i)
                os.makedirs(os.path.dirname(os.path.join(tmp, rel)), exist_ok=True)
                write_video(os.path.join(tmp, rel), g["obs"][key], fps, p["video_encoder"])
            print("episode %d/%d (%d frames)" % (i + 1, len(layouts), n), file=sys.stderr)

    def dump(rel, obj):
        with open(os.path.join(tmp, rel), "w") as fh:
            json.dump(obj, fh, indent=4)

    def dump_lines(rel, rows):
        with open(os.path.join(tmp, rel), "w") as fh:
            for row in rows:
                fh.write(json.dumps(row) + "\n")

    dump("meta/info.json", info)
    dump("meta/modality.json", p["modality"])
    dump_lines("meta/tasks.jsonl", p["tasks"])
    dump_lines("meta/episodes.jsonl", p["episodes"])
    dump_lines("meta/episodes_stats.jsonl",
               [{"episode_index": i, "stats": to_json(s)} for i, s in enumerate(p["episodes_stats"])])
    dump("meta/stats.json", to_json(aggregate_stats(p["episodes_stats"])))
    dump("meta/ocres_env_args.json", p["env_args"])
    dump_lines("meta/ocres_provenance.jsonl", p["provenance"])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("hdf5", help="robomimic-layout HDF5 from ocres demos / replay / deployment logs")
    ap.add_argument("--out", help="output dataset directory (written at <out>.partial, then renamed)")
    ap.add_argument("--check", "--dry-run", dest="check", action="store_true",
                    help="validate and print the planned metadata as one JSON object; write nothing")
    ap.add_argument("--task-text", help="language instruction (default: one per ocres task)")
    ap.add_argument("--fps", type=float, help="frames per second (default: env_args control_hz, else 20)")
    ap.add_argument("--mask", help="convert only the episodes of /mask/<split>")
    ap.add_argument("--only-success", action="store_true", help="skip failed episodes (deployment logs)")
    ap.add_argument("--max-episodes", type=int, help="convert at most this many episodes")
    ap.add_argument("--overwrite", action="store_true", help="replace an existing output directory")
    args = ap.parse_args(argv)
    if not args.check and not args.out:
        ap.error("give --out DIR (or --check)")
    try:
        p, layouts = plan(args.hdf5, args)
        if args.check:
            out = {k: v for k, v in p.items() if k != "episodes_stats"}
            out["episodes_stats"] = [to_json(s) for s in p["episodes_stats"]]
            json.dump(out, sys.stdout)
            sys.stdout.write("\n")
            return 0
        write_dataset(args.hdf5, p, layouts, args.out, args.overwrite)
        print("%d episodes, %d frames -> %s" % (p["info"]["total_episodes"], p["info"]["total_frames"], args.out),
              file=sys.stderr)
        return 0
    except ConversionError as e:
        print("hdf5_to_lerobot: error: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
