"""`python -m claimex` is the `claimex` command."""

from .cli import main

main()
