"""``python -m rdl.cli``."""

from rdl.cli import main

main()
