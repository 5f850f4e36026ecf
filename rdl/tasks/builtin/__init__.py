"""Built-in task files, shipped with the package.

One module per dataset; each declares ``DATASET = "rel-f1"`` and defines its tasks as
`rdl.tasks.EntityTask` / `rdl.tasks.LinkTask` subclasses, addressed as ``DATASET/NAME``
(``rel-f1/driver-dnf``) by `rdl.tasks.load_task` and the CLI's ``--task``. The files are
found by path (`rdl.project.TASKS_DIR`), not imported here.

* `f1` — rel-f1: ``driver-dnf``, ``driver-top3``, ``driver-position`` (RelBench's) and
  ``driver-circuit-compete`` (a link task).
* `berka` — ``loan-default``; `northwind` — ``customer-churn``, ``customer-spend``;
  `synthetic_ratings` — ``user-item-rate`` (a link task).
* `tpch` — TPC-H: ``customer-reorder`` (entity) and ``customer-parts`` (link), which
  measure cost, not accuracy; its ``SCHEMA`` gives TPC-H's keys and time columns.
"""
