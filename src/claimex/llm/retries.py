"""Tries within one deadline: which failures are worth another try, and how long to wait before it.

Timeouts, dropped connections, 429 and 5xx are tried again, after the server's Retry-After or
an exponential backoff with full jitter; every wait must end within the answer's deadline
(`--timeout`, `transport.answer_deadline`), or claimex gives up at once and says why.
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime
from typing import Any

log = logging.getLogger("claimex.llm")


def is_retryable(error: BaseException) -> bool:
    """Timeouts, dropped connections, 429 and 5xx are worth another try; other 4xx never are."""
    import openai

    if isinstance(error, openai.APIConnectionError):  # includes APITimeoutError
        return True
    if isinstance(error, openai.APIStatusError):
        return error.status_code == 429 or error.status_code >= 500
    return False


def retry_after_seconds(error: BaseException | None) -> float | None:
    """The server's Retry-After (seconds or an HTTP date), if it sent one."""
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None)
    if not headers:
        return None
    value = headers.get("retry-after-ms")
    if value:
        try:
            return float(value) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from datetime import datetime

        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


# A server that asks for a longer pause than this is not coming back within a run's patience.
MAX_RETRY_AFTER = 120.0


class GiveUp(Exception):
    """Raised from the wait between tries: the next try could not be made in time."""


@dataclass
class Backoff:
    """Exponential backoff with full jitter, unless the server said how long to wait."""

    initial: float = 1.0
    maximum: float = 30.0

    def __call__(self, retry_state: Any) -> float:
        outcome = retry_state.outcome
        told = retry_after_seconds(outcome.exception() if outcome else None)
        if told is not None:
            return told
        ceiling = min(self.maximum, self.initial * 2 ** (retry_state.attempt_number - 1))
        return random.uniform(ceiling / 2, ceiling)


@dataclass
class WaitWithinDeadline:
    """tenacity's wait: the backoff's pause before the next try, or `GiveUp` when that pause would
    end past the answer's deadline (`transport.answer_deadline`), or the server asks for too long."""

    backoff: Backoff
    timeout: float  # the --timeout the deadline comes from, for the message
    where: str  # the server, for the message

    def __call__(self, retry_state: Any) -> float:
        from .transport import time_left  # httpx is loaded by the first request, not before

        seconds = self.backoff(retry_state)
        told = retry_after_seconds(retry_state.outcome.exception() if retry_state.outcome else None)
        if told is not None and told > MAX_RETRY_AFTER:
            raise GiveUp(
                f"it asks to wait {told:.0f} s before the next try (Retry-After), longer than claimex "
                f"waits ({MAX_RETRY_AFTER:.0f} s): try again later"
            )
        left = time_left()
        if left is not None and left <= 0:
            raise GiveUp()
        if left is not None and seconds >= left:
            if told is not None:
                raise GiveUp(
                    f"it asks to wait {told:.0f} s before the next try (Retry-After), past the "
                    f"{self.timeout:g} s --timeout for one answer"
                )
            raise GiveUp(f"no time was left for another try within the {self.timeout:g} s --timeout")
        if told is not None and told >= 2:
            log.warning("the model server at %s asks to wait %.0f s (Retry-After); waiting", self.where, told)
        return seconds
