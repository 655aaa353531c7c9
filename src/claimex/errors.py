"""Every error claimex raises on purpose, in one place. `str()` of each is one line a user can act on.

    ClaimexError                  exit 1: the CLI prints "claimex: error: <message>", no traceback
    ├── InputError                exit 2: an article, claims file or option that cannot be used as given
    │   └── TaskError             a task (claimex extract --task) that cannot be loaded: its file and why
    ├── ModelError                the model gave no usable answer
    │   ├── ServerError           the server could not be asked, after retries (HTTP error, bad body)
    │   │   ├── ServerUnreachable no connection could be made: down, or a wrong URL
    │   │   └── AnswerTimeout     no whole answer within --timeout (tries and waits included)
    │   └── AnswerCutOff          the answer stopped at max_tokens before its JSON was complete
    ├── LocalServerError          the embedded llama.cpp server cannot start or stopped answering
    └── EmbeddedModelError        the embedded model is unknown, not installed whole, or damaged

    Terminated (KeyboardInterrupt)  SIGTERM, unwound like Ctrl-C (exit 143)

The HTTP service maps the same family to status codes (`claimex.service.errors.status_of`).
"""

from __future__ import annotations


class ClaimexError(Exception):
    """A failure the user can act on; `str()` is the whole message, one line, no traceback."""

    exit_code = 1


class InputError(ClaimexError):
    """An article or a claims file that cannot be read as asked."""

    exit_code = 2


class TaskError(InputError):
    """A task that cannot be used: the message names the task's file and the problem."""


class ModelError(ClaimexError):
    """The model could not give an answer: unreachable, refused, timed out, or unusable output."""


class ServerError(ModelError):
    """The server could not be asked: unreachable, refused, timed out, or an HTTP error, after retries."""


class ServerUnreachable(ServerError):
    """No connection to the server could be made, after retries: it is down, or the URL is wrong."""


class AnswerTimeout(ServerError):
    """No complete answer within --timeout, the deadline for one answer (tries and waits included)."""


class AnswerCutOff(ModelError):
    """The answer stopped at max_tokens (finish_reason "length") before the JSON was complete."""


class LocalServerError(ClaimexError):
    """The embedded model server could not be started, or stopped answering."""


class EmbeddedModelError(ClaimexError):
    """An embedded model that is unknown, not installed whole, or whose parts do not add up."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, unwound like Ctrl-C so that every `finally` runs: servers stopped, temp files gone."""
