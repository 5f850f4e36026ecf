"""An entity kind's output head: what the kind means to the entity model — its labels,
number of outputs, loss, predictions, clamp, input-blind prior loss, blend and the scalar
an explanation differentiates — registered per kind in `HEADS`.

`rdl.train.entity.EntityTrainer`, `rdl.train.inference`, `rdl.train.seeds`,
`rdl.train.blend`, `rdl.train.diagnose` and `rdl.serve.explain` ask ``HEADS.get(kind)``
instead of comparing task types. A new entity kind subclasses `EntityHead` (every method
has a default but `out_channels`, `loss_fn` and `output`) and calls `register_head`.
"""

from __future__ import annotations

import numpy as np
import torch

from rdl.tasks.kinds import BINARY, MULTICLASS, MULTILABEL, REGRESSION, KindParts, TaskKind


def _entropy(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-(p * np.log(p)).sum())


class EntityHead:
    """The output head of one entity kind (defaults: a real-valued single output)."""

    #: combine GNN and LightGBM predictions in logit space (`rdl.train.blend.combine`):
    #: True for probabilities of independent labels, False for a linear mix
    blend_in_logits = False

    def labels(self, values: np.ndarray) -> torch.Tensor:
        """The task table's target values ``[n]`` (or ``[n]`` of vectors) as the label
        tensor the loss reads (default: ``float32 [n]``)."""
        return torch.as_tensor(np.asarray(values).astype(np.float32))

    def out_channels(self, train_labels: torch.Tensor) -> int:
        """Number of model outputs for these training labels."""
        raise NotImplementedError

    def loss_fn(self) -> torch.nn.Module:
        """The training loss ``f(out, target)`` (`target` gives its target shape)."""
        raise NotImplementedError

    def target(self, y: torch.Tensor) -> torch.Tensor:
        """Labels in the loss's shape (default: ``[n, out_channels]``)."""
        return y.view(len(y), -1)

    def loss(self, loss_fn: torch.nn.Module, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """``loss_fn`` on raw outputs ``[n, C]`` and labels ``y`` (shaped by `target`)."""
        target = self.target(y)
        return loss_fn(out.view(target.shape), target)

    def output(self, out: torch.Tensor, clamp: tuple[float, float] | None) -> torch.Tensor:
        """Raw outputs ``[n, C]`` -> the predictions `rdl.metrics` reads."""
        raise NotImplementedError

    def clamp(self, train_labels: np.ndarray) -> tuple[float, float] | None:
        """The range predictions are clamped to at evaluation (default: none)."""
        return None

    def prior_loss(self, y: np.ndarray) -> float | None:
        """The training loss of the best input-blind model on labels ``y`` (default:
        none known)."""
        return None

    def explain_target(self, out: torch.Tensor) -> tuple[torch.Tensor, str]:
        """The scalar per seed an explanation differentiates, and its name (default: the
        logit of the most probable class)."""
        top = out.gather(1, out.argmax(1, keepdim=True)).view(-1)
        return top, "logit of the most probable class"


class BinaryHead(EntityHead):
    """BCE with logits on one output; predictions are sigmoid probabilities ``[n]``."""

    blend_in_logits = True

    def out_channels(self, train_labels):
        return 1

    def loss_fn(self):
        return torch.nn.BCEWithLogitsLoss()

    def output(self, out, clamp):
        return torch.sigmoid(out.view(-1))

    def prior_loss(self, y):
        p = float(y.mean())
        return _entropy(np.array([p, 1.0 - p]))

    def explain_target(self, out):
        return out.view(-1), "logit"


class MulticlassHead(EntityHead):
    """Cross entropy on ``C`` outputs (labels ``0..C-1``); predictions are softmax
    probabilities ``[n, C]``."""

    def labels(self, values):
        return torch.as_tensor(np.asarray(values).astype(np.int64))

    def out_channels(self, train_labels):
        return int(train_labels.max()) + 1

    def loss_fn(self):
        return torch.nn.CrossEntropyLoss()

    def target(self, y):
        return y

    def loss(self, loss_fn, out, y):
        return loss_fn(out, y)

    def output(self, out, clamp):
        return torch.softmax(out, dim=-1)

    def prior_loss(self, y):
        return _entropy(np.bincount(y.astype(np.int64)) / len(y))


class MultilabelHead(EntityHead):
    """BCE with logits on ``L`` outputs (0/1 vectors); predictions are sigmoid
    probabilities ``[n, L]``."""

    blend_in_logits = True

    def labels(self, values):
        return torch.as_tensor(np.stack(values).astype(np.float32))

    def out_channels(self, train_labels):
        return train_labels.shape[1]

    def loss_fn(self):
        return torch.nn.BCEWithLogitsLoss()

    def output(self, out, clamp):
        return torch.sigmoid(out)

    def prior_loss(self, y):
        p = y.reshape(len(y), -1).mean(axis=0)
        return float(np.mean([_entropy(np.array([q, 1.0 - q])) for q in p]))


class RegressionHead(EntityHead):
    """L1 on one output; predictions clamped to the training labels' 2nd-98th
    percentiles (RelBench)."""

    def out_channels(self, train_labels):
        return 1

    def loss_fn(self):
        return torch.nn.L1Loss()

    def output(self, out, clamp):
        pred = out.view(-1)
        return pred.clamp(*clamp) if clamp is not None else pred

    def clamp(self, train_labels):
        lo, hi = np.percentile(train_labels, [2, 98])
        return float(lo), float(hi)

    def prior_loss(self, y):
        return float(np.abs(y - np.median(y)).mean())

    def explain_target(self, out):
        return out.view(-1), "predicted value"


#: kind name -> its `EntityHead` (the entity kinds of `rdl.tasks.kinds`).
HEADS: KindParts[EntityHead] = KindParts("entity output head", "rdl.train.heads.register_head")


def register_head(kind: TaskKind | str, head: EntityHead) -> EntityHead:
    """Register ``head`` as the output head of entity kind ``kind``; returns it."""
    return HEADS.register(kind, head)


register_head(BINARY, BinaryHead())
register_head(MULTICLASS, MulticlassHead())
register_head(MULTILABEL, MultilabelHead())
register_head(REGRESSION, RegressionHead())


__all__ = [
    "HEADS",
    "BinaryHead",
    "EntityHead",
    "MulticlassHead",
    "MultilabelHead",
    "RegressionHead",
    "register_head",
]
