"""``rdl bench``: a suite of databases and tasks, every task x model x seed (x protocol),
resumable, within a time budget, summarised as a leaderboard.

* `suite` — suite files (TOML; built-in ``panel`` and ``rel-f1`` in ``suites/``);
* `databases` — a suite's database as a URL (recipes built once into the cache);
* `models` — the ``--models`` names, the runs they need, ``pick``;
* `cells` — one run's folder and its ``cell.json`` record; `worker` runs one cell;
* `estimate` — seconds per cell from the finished ones (budget, ETA);
* `runner` — `run_bench`; `aggregate` — the leaderboard dict; `anchors` — published
  figures by regime (``anchors.toml``). The Markdown and HTML pages: `rdl.report.leaderboard`.
"""

from rdl.bench.runner import Reporter, run_bench
from rdl.bench.suite import Suite, SuiteError, builtin_suites, load_suite

__all__ = ["Reporter", "Suite", "SuiteError", "builtin_suites", "load_suite", "run_bench"]
