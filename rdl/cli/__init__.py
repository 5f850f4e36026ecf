"""The ``rdl`` command. It parses arguments and prints; the work happens in the library.

One module per command group (`rdl.cli.inspect`, `rdl.cli.datasets`, `rdl.cli.train`,
`rdl.cli.predict`, `rdl.cli.baseline`, `rdl.cli.report`, `rdl.cli.explain`, `rdl.cli.tune`,
`rdl.cli.pretrain`, `rdl.cli.embed`); importing this package registers them all on `app`.
"""

# the commands register in import order, the order ``rdl --help`` lists them in
# isort: off
from rdl.cli import bench, datasets, embed, explain, inspect, pretrain, report  # noqa: F401
from rdl.cli import train, predict, baseline, tune  # noqa: F401

# isort: on
from rdl.cli.app import app, console, err_console


def main() -> None:  # pragma: no cover
    app()


__all__ = ["app", "console", "err_console", "main"]
