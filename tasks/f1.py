"""Example task file: rel-f1's tasks, re-exported from the package.

The definitions ship with rdl in ``rdl/tasks/builtin/f1.py`` (read it: RelBench's
``driver-dnf``, ``driver-top3``, ``driver-position`` and rdl's link task
``driver-circuit-compete``); this file re-exports them by name in ``__all__``, which is
how a task file offers tasks it did not define. Both addresses give the same task:

    rdl baseline --db rel-f1.duckdb --task rel-f1/driver-top3
    rdl baseline --db rel-f1.duckdb --task tasks/f1.py:DriverTop3    # or tasks/f1.py:driver-top3

To write your own, copy ``rdl/tasks/builtin/f1.py`` and see ``tasks/README.md``.
"""

from rdl.tasks.builtin.f1 import (
    DATASET,
    DriverCircuitCompete,
    DriverDNF,
    DriverPosition,
    DriverTop3,
)

__all__ = ["DATASET", "DriverDNF", "DriverTop3", "DriverPosition", "DriverCircuitCompete"]
