"""Link-task seeds: (source node, seed time) rows with the CSR of their destinations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rdl.graph import GraphData
from rdl.train.seeds import to_seconds


@dataclass
class LinkSeeds:
    """One split's link seeds.

    Attributes:
        src: ``int64 [n]`` source node indices (rows of the source table).
        time: ``int64 [n]`` seed times, seconds since epoch.
        dst_ptr, dst: CSR of the destination node indices of each row: row ``i`` links to
            ``dst[dst_ptr[i]:dst_ptr[i + 1]]`` (empty when the labels are hidden).
        df: the task table.
    """

    src: np.ndarray
    time: np.ndarray
    dst_ptr: np.ndarray
    dst: np.ndarray
    df: pd.DataFrame

    def __len__(self) -> int:
        return len(self.src)

    def positives(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(row position in rows, destination node)`` of every link of ``rows``."""
        counts = self.dst_ptr[rows + 1] - self.dst_ptr[rows]
        which = np.repeat(np.arange(len(rows)), counts)
        starts = np.repeat(self.dst_ptr[rows], counts)
        offset = np.arange(len(which)) - np.repeat(np.cumsum(counts) - counts, counts)
        return which, self.dst[starts + offset]


def make_link_seeds(task, table, graph: GraphData) -> LinkSeeds:
    """Seeds of a link task table (`rdl.Table` or DataFrame from ``task.get_table``).

    Raises:
        KeyError: a source or destination id is not a row of its table.
    """
    df = getattr(table, "df", table)
    src = graph.node_index(task.src_entity_table, df[task.src_entity_col].to_numpy())
    seconds = to_seconds(df[task.time_col])
    if task.dst_entity_col in df.columns:
        lists = df[task.dst_entity_col].tolist()
        counts = np.array([len(x) for x in lists], dtype=np.int64)
        flat = [v for x in lists for v in x]
        dst = graph.node_index(task.dst_entity_table, flat) if flat else np.zeros(0, np.int64)
    else:
        counts = np.zeros(len(df), dtype=np.int64)
        dst = np.zeros(0, np.int64)
    ptr = np.zeros(len(df) + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return LinkSeeds(src, seconds, ptr, dst, df)


__all__ = ["LinkSeeds", "make_link_seeds"]
