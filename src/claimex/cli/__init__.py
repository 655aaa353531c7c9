"""The `claimex` command: options in, one call into the package, output out.

- `root`: the root command and its groups; `options`: the option vocabulary shared by commands;
  `console`: errors and signals into exit codes, status lines, results out; `progress`: bars
  and plain progress lines.
- One module per command group: `article` (extract, verify), `batch`, `report`, `serve`,
  `cache`, `model`, `cluster`, `export`, `tasks`. Importing them registers their commands, in the order `--help` lists them.

Rule: a command parses options, calls the same functions as every other entry point
(`claimex.pipeline`, `claimex.session`, `claimex.batch`, `claimex.service`) and writes what they
return; nothing here decides anything about claims. Heavy modules (pydantic, openai, instructor,
the verifier, FastAPI) are imported inside the commands, so that `claimex --help` answers at
once; this is the top layer, and nothing imports it.
"""

import atexit
import gc
import os

from .._compat import old_names
from . import article, batch, cache, cluster, export, model, report, serve, tasks  # noqa: F401  (the order of `claimex --help`)  # noqa: F401  # noqa: F401  (after the others in `claimex --help`)
from .root import app

__all__ = ["app", "main"]


def main() -> None:
    """The `claimex` command as the console script and `python -m claimex` run it: `app`, in a
    process that ends with it."""
    # At exit CPython collects every object still tracked, whether the collector is on or not:
    # 9 ms after a one-claim `claimex verify` (the objects of its imports), 12 ms after 2,000
    # claims (callgrind: 49 M and 71 M instructions). Frozen at exit, they are left to the end
    # of the process, which frees them all. Registered before the command runs, so the exit
    # handlers it registers run first; claimex writes its files through descriptors and files it
    # closes itself, never through a buffer that only a collection would flush.
    atexit.register(gc.freeze)
    # pydantic looks for plugins in every installed package's entry points when it builds its
    # first validator (5.8 ms in a virtualenv of 209 packages, in each process of a `verify
    # --jobs`). The command has no use for one; a user who wants one sets the variable empty.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    app(prog_name="claimex")


# The names the module claimex.cli had before it became this package (until 2027-06-01).
__getattr__ = old_names(__name__)
