"""The one exception type the CLI turns into a one-line message and a non-zero exit."""

from __future__ import annotations


class ClaimexError(Exception):
    """A failure the user can act on; `str()` is the whole message, one line, no traceback."""

    exit_code = 1


class InputError(ClaimexError):
    """An article or a claims file that cannot be read as asked."""

    exit_code = 2


class Terminated(KeyboardInterrupt):
    """SIGTERM, unwound like Ctrl-C so that every `finally` runs: servers stopped, temp files gone."""
