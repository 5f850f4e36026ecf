"""`link_trainer`: the trainer of a link model by name, with a guard for ID-GNN."""

from __future__ import annotations

from rdl.db.errors import ArgumentError, arg, said
from rdl.graph import GraphData
from rdl.train.config import TrainConfig
from rdl.train.link.contextgnn import ContextGNNTrainer
from rdl.train.link.idgnn import IDGNNTrainer
from rdl.train.link.trainer import LinkTrainer, TwoTowerTrainer

#: link model name -> its trainer class (`rdl.train.models.MODELS` holds their entries)
LINK_TRAINERS: dict[str, type[LinkTrainer]] = {
    "two-tower": TwoTowerTrainer,
    "idgnn": IDGNNTrainer,
    "contextgnn": ContextGNNTrainer,
}
MODELS = tuple(LINK_TRAINERS)
#: below this share of training links reachable in the source's subgraph, ID-GNN is
#: replaced by ContextGNN (it can score nothing else above popularity)
MIN_REACHABLE = 0.01


def link_trainer(
    task,
    graph: GraphData,
    config: TrainConfig,
    model: str = "two-tower",
    train_table=None,
    **kwargs,
) -> LinkTrainer:
    """The trainer of link model ``model`` (`MODELS`); ``kwargs`` go to its class
    (`TwoTowerTrainer`: ``shallow``, ``num_negatives``; all: ``history``).

    ID-GNN guard: with ``train_table`` given, ID-GNN first measures which share of the
    training links its subgraphs reach (`IDGNNTrainer.reachable_fraction`). Below
    `MIN_REACHABLE` (e.g. users who never meet an item twice, where every training target
    of ID-GNN is 0 and its loss drops to 0 while it learns nothing), it falls back to
    ContextGNN, which scores every destination; the trainer's ``warnings`` say so. Above
    it but below half, a warning says how much ID-GNN can reach.

    Raises:
        ValueError: unknown ``model``; ID-GNN / ContextGNN with a destination table that
            foreign keys do not connect to the source table.
    """
    if model == "two-tower":
        return TwoTowerTrainer(task, graph, config, **kwargs)
    kwargs.pop("shallow", None)
    kwargs.pop("num_negatives", None)
    if model == "contextgnn":
        return ContextGNNTrainer(task, graph, config, **kwargs)
    if model != "idgnn":
        raise ArgumentError(
            f"unknown link model {model!r}; choose one of {list(MODELS)} ({arg('model')})"
        )
    trainer = IDGNNTrainer(task, graph, config, **kwargs)
    if train_table is None:
        return trainer
    share, links = trainer.reachable_fraction(trainer.make_seeds(train_table))
    where = (
        f"{share:.1%} of {links:,} sampled training links of {task.name!r} lead to a "
        f"row of {task.dst_entity_table!r} that the source's {trainer.num_hops}-hop "
        "subgraph reaches"
    )
    if share < MIN_REACHABLE:
        fallback = ContextGNNTrainer(task, graph, config, **kwargs)
        fallback.warnings.append(
            said(
                f"idgnn: only {where}; ID-GNN ranks only reached rows above popularity, so it "
                "would learn nothing. Trained contextgnn instead (it also scores rows outside "
                "the subgraph). Ask for it directly with "
                f"{arg('model', repr('contextgnn'), cli='contextgnn')}."
            )
        )
        return fallback
    if share < 0.5:
        trainer.warnings.append(
            said(
                f"idgnn: only {where}; the rest are ranked by popularity alone. "
                f"{arg('model', repr('contextgnn'), cli='contextgnn')} scores every row."
            )
        )
    return trainer


__all__ = ["LINK_TRAINERS", "MIN_REACHABLE", "MODELS", "link_trainer"]
