"""Running a model on a GPU while sampling stays on the CPU (``--device cuda``).

`OnDevice` wraps a model: each call moves its inputs to the device — the mini-batch
(PyG ``HeteroData``), extra tensors or dicts of tensors, and the graph's TensorFrames as
`DeviceFrames`, which gather the rows a batch asks for on the CPU (from memory or a
memory-mapped store) and move only those — and returns the output on the CPU, so the
losses, metrics and everything else of the trainers run unchanged. `use_device` puts
a trainer's model on a device; `unwrap` takes every wrapper off again (this one and
DDP's, `rdl.scale.distributed`) and moves the model back to the CPU, so a checkpoint
holds the plain model.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch

from rdl.db.errors import RdlError, arg


class DeviceError(RdlError, RuntimeError):
    """The device asked for cannot run the model (no CUDA GPU in this torch build)."""


class _DeviceFrame:
    """A table's TensorFrame whose ``frame[index]`` rows are gathered on the CPU and
    moved to ``device``."""

    def __init__(self, tf, device):
        self.tf, self.device = tf, device
        self.col_names_dict = tf.col_names_dict

    def __getitem__(self, index):
        if isinstance(index, torch.Tensor):
            index = index.cpu()
        return self.tf[index].to(self.device)

    def __len__(self) -> int:
        return len(self.tf)


class DeviceFrames(Mapping):
    """``{table: TensorFrame}`` seen from ``device`` (see `_DeviceFrame`)."""

    def __init__(self, tf_dict: Mapping, device):
        self.tf_dict, self.device = tf_dict, device

    def __getitem__(self, table):
        return _DeviceFrame(self.tf_dict[table], self.device)

    def __iter__(self):
        return iter(self.tf_dict)

    def __len__(self) -> int:
        return len(self.tf_dict)


def to_device(x, device):
    """``x`` on ``device``: tensors and ``HeteroData`` moved, a dict of TensorFrames as
    `DeviceFrames`, dicts / lists / tuples recursively, anything else unchanged."""
    if isinstance(x, torch.Tensor) or hasattr(x, "node_types"):
        return x.to(device)
    if isinstance(x, Mapping):
        if x and all(hasattr(v, "col_names_dict") for v in x.values()):
            return DeviceFrames(x, device)
        return {k: to_device(v, device) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(to_device(v, device) for v in x)
    return x


def to_cpu(x):
    if isinstance(x, torch.Tensor):
        return x.cpu()
    if isinstance(x, tuple):
        return tuple(to_cpu(v) for v in x)
    if isinstance(x, dict):
        return {k: to_cpu(v) for k, v in x.items()}
    return x


class OnDevice(torch.nn.Module):
    """``module`` on ``device``, called with CPU inputs, returning CPU outputs (see the
    module docstring). Attributes and the methods ``encode`` / ``embed`` of ``module``
    are reached through it."""

    _WRAPPED = ("encode", "embed")

    def __init__(self, module: torch.nn.Module, device):
        super().__init__()
        self.device = torch.device(device)
        self.module = module.to(self.device)

    def forward(self, *args, **kwargs):
        args, kwargs = to_device(args, self.device), to_device(kwargs, self.device)
        return to_cpu(self.module(*args, **kwargs))

    def __getattr__(self, name):
        try:
            return super().__getattr__(name)
        except AttributeError:
            attr = getattr(self.module, name)
            if name in self._WRAPPED and callable(attr):
                return lambda *a, **k: to_cpu(
                    attr(*to_device(a, self.device), **to_device(k, self.device))
                )
            return attr


def use_device(trainer, device: str) -> None:
    """Put ``trainer.model`` on ``device`` (no-op for ``"cpu"``).

    Raises:
        RuntimeError: a CUDA device without a usable CUDA build / GPU (the message
            says so and names ``device='cpu'``; a `DeviceError`).
    """
    if str(device) == "cpu":
        return
    check_device(device)
    trainer.model = OnDevice(trainer.model, device)


def check_device(device: str) -> None:
    """Refuse, before any work, a device this process cannot use.

    Raises:
        DeviceError: a CUDA device without a usable CUDA build / GPU, or a GPU index
            beyond the ones present.
    """
    device = str(device)
    if not device.startswith("cuda"):
        return
    if not torch.cuda.is_available():
        raise DeviceError(
            f"{arg('device', repr(device), cli=device)}: this torch build "
            f"sees no CUDA GPU (torch {torch.__version__}); train with "
            f"{arg('device', repr('cpu'), cli='cpu')}"
        )
    index = device.partition(":")[2]
    if index.isdigit() and int(index) >= torch.cuda.device_count():
        raise DeviceError(
            f"{arg('device', repr(device), cli=device)}: this machine has "
            f"{torch.cuda.device_count()} CUDA GPU(s) (cuda:0 ..); pick one of "
            "them"
        )


def unwrap(trainer) -> None:
    """Take the DDP and `OnDevice` wrappers off ``trainer.model``, put it on the CPU, and
    drop a data-parallel ``predict`` (`rdl.scale.distributed`)."""
    from torch.nn.parallel import DistributedDataParallel

    model = trainer.model
    while isinstance(model, (DistributedDataParallel, OnDevice)):
        model = model.module
    trainer.model = model.cpu()
    trainer.__dict__.pop("predict", None)


__all__ = ["DeviceFrames", "OnDevice", "check_device", "to_device", "unwrap", "use_device"]
