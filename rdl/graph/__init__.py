"""`Database` -> temporal heterogeneous graph with one TensorFrame per table.

`build_graph` builds it in memory (`rdl.graph.build`) or, for an out-of-core database
(`rdl.db.lazy`), streams it into a memory-mapped store (`rdl.graph.stream`).
"""

from functools import wraps

from rdl.graph.build import GraphData, default_cache_dir
from rdl.graph.build import build_graph as _build_in_memory


@wraps(_build_in_memory)
def build_graph(db, **kwargs) -> GraphData:
    if getattr(db, "is_lazy", False):  # out of core: a memory-mapped store
        from rdl.graph.stream import build_graph_streaming

        return build_graph_streaming(db, **kwargs)
    return _build_in_memory(db, **kwargs)


build_graph.__doc__ = (
    (_build_in_memory.__doc__ or "")
    + """
    An out-of-core database (`rdl.db.lazy.open_lazy`) is streamed into a memory-mapped
    store instead (`rdl.graph.stream.build_graph_streaming`, same arguments and graph).
"""
)

__all__ = ["GraphData", "build_graph", "default_cache_dir"]
