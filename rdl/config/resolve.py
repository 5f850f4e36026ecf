"""What the machine decides from a `TrainConfig`, asked for where it is needed and recorded
apart (``results["resolved"]``), never written back into the config: a saved config
means the same on every machine."""

from __future__ import annotations


def effective_precision(config) -> str:
    """``"bf16"`` or ``"fp32"``: ``config.precision``, with ``"auto"`` resolved to bf16
    where the device computes it natively (a CPU with AVX512-BF16/AMX, a GPU that
    supports it), else fp32."""
    if config.precision != "auto":
        return config.precision
    import torch

    if config.device.startswith("cuda"):
        native = torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    else:
        native = torch.ops.mkldnn._is_mkldnn_bf16_supported()
    return "bf16" if native else "fp32"


def autocast(config):
    """The autocast context of `effective_precision` (a no-op for fp32): the forward pass
    under bfloat16 matrix products; losses and metrics stay float32."""
    import torch

    kind = "cuda" if config.device.startswith("cuda") else "cpu"
    return torch.autocast(kind, dtype=torch.bfloat16, enabled=effective_precision(config) == "bf16")


def resolved(config, **decided) -> dict:
    """``results["resolved"]``: ``precision`` (bf16 / fp32), ``threads`` (torch's intra-op
    threads in this process), ``device`` (as the model ran), plus ``decided`` (what the
    run decided from its data, e.g. seed features left out)."""
    import torch

    return {
        "precision": effective_precision(config),
        "threads": torch.get_num_threads(),
        "device": config.device,
        **decided,
    }


__all__ = ["autocast", "effective_precision", "resolved"]
