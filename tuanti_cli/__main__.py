"""``python -m tuanti_cli``."""

from tuanti_cli.cli import main

main()
