"""`Database` -> temporal heterogeneous graph with one TensorFrame per table."""

from rdl.graph.build import GraphData, build_graph, default_cache_dir

__all__ = ["GraphData", "build_graph", "default_cache_dir"]
