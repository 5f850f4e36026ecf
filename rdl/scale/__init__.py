"""Several processes: data-parallel training on ``torch.distributed`` (`distributed`) and
``python -m rdl.train`` / ``rdl train --nproc N`` under torchrun (`launch`)."""
