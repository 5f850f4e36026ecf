"""Where one training process runs: the storage of the database and graph (`storage`:
memory or out of core), the device (`device`: CPU or CUDA) and memory release
(`memory`: heap trims and memory-mapped pages)."""
