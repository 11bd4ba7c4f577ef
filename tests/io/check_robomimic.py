"""Independent check that an ocres dataset is robomimic-layout HDF5, with h5py (run by dataset_test)."""
import json
import sys

import h5py
import numpy as np

path, expected_episodes = sys.argv[1], int(sys.argv[2])
with h5py.File(path, "r") as f:
    data = f["data"]
    env_args = json.loads(data.attrs["env_args"])
    assert env_args["task"] == "lift", env_args
    demos = sorted((k for k in data.keys() if k.startswith("demo_")), key=lambda k: int(k[5:]))
    assert len(demos) == expected_episodes, demos
    total = 0
    for name in demos:
        g = data[name]
        n = int(g.attrs["num_samples"])
        total += n
        assert g["actions"].shape == (n, 8) and g["actions"].dtype == np.float32, g["actions"]
        assert g["rewards"].shape == (n,) and g["dones"].shape == (n,)
        assert g["dones"].dtype == np.uint8 and g["dones"][-1] == 1
        assert g["obs/robot"].shape == (n, 10), g["obs/robot"].shape
        assert g["obs/object_poses"].shape == (n, 7)
        assert np.all(np.isfinite(g["actions"][()]))
    assert int(data.attrs["total"]) == total, (data.attrs["total"], total)
    train = [s.decode() if isinstance(s, bytes) else s for s in f["mask/train"][()]]
    assert train == demos[:len(train)], train
print("ok")
