"""`python -m claimex` is the `claimex` command."""

from .cli import app

app(prog_name="claimex")
