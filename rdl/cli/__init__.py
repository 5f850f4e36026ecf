"""The ``rdl`` command. It parses arguments and prints; the work happens in the library.

One module per command group (`rdl.cli.inspect`, `rdl.cli.datasets`, `rdl.cli.train`,
`rdl.cli.report`, `rdl.cli.explain`, `rdl.cli.tune`, `rdl.cli.pretrain`, `rdl.cli.embed`);
importing this package registers them all on `app`.
"""

from rdl.cli import bench, datasets, embed, explain, inspect, pretrain, report, train, tune  # noqa: F401  (register the commands)
from rdl.cli.app import app, console, err_console


def main() -> None:  # pragma: no cover
    app()


__all__ = ["app", "console", "err_console", "main"]
