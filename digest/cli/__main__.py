"""`python -m digest.cli`: the same as the `jobdigest` command."""

from digest.cli import main

main()
