"""An article's date, to tell which article carried a claim first.

From the batch index when a line gives one (`date` or `published`, ISO 8601: a desk that knows
its articles' dates adds them there), else from the dateline in the article's first lines
("Publié le 4 mars 2025 à 08h10", "4 March 2025, 06:45 GMT", "March 4, 2025", "2025-03-04").
A date without a time counts as its midnight; a time without a zone as UTC. Nothing found is
None, and the order given decides.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

HEAD_CHARS = 400

_MONTHS = {
    "janvier": 1, "février": 2, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6,
    "juillet": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "decembre": 12, "january": 1, "february": 2, "march": 3, "april": 4,
    "may": 5, "june": 6, "july": 7, "august": 8, "september": 9, "october": 10, "november": 11,
    "december": 12, "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_TIME = r"(?:[^\d\n]{0,8}?(?P<hour>\d{1,2})\s*(?:h|:)\s*(?P<minute>\d{2}))?"
_PATTERNS = (
    re.compile(
        r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})(?:[T ](?P<hour>\d{2}):(?P<minute>\d{2}))?"
    ),
    re.compile(
        rf"\b(?P<day>\d{{1,2}})(?:er)?\s+(?P<name>{_MONTH})\.?\s+(?P<year>\d{{4}}){_TIME}", re.IGNORECASE
    ),
    re.compile(rf"\b(?P<name>{_MONTH})\.?\s+(?P<day>\d{{1,2}}),?\s+(?P<year>\d{{4}}){_TIME}", re.IGNORECASE),
    re.compile(rf"\b(?P<day>\d{{1,2}})/(?P<month>\d{{1,2}})/(?P<year>\d{{4}}){_TIME}"),
)


def dateline(text: str) -> datetime | None:
    """The first date in the article's first lines, or None."""
    head = text[:HEAD_CHARS]
    found: list[tuple[int, datetime]] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(head):
            moment = _moment(match)
            if moment is not None:
                found.append((match.start(), moment))
                break
    return min(found, key=lambda item: item[0])[1] if found else None


def from_index(line: dict[str, object]) -> datetime | None:
    for field in ("date", "published"):
        value = line.get(field)
        if isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value)
            except ValueError:
                continue
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def _moment(match: re.Match[str]) -> datetime | None:
    parts = match.groupdict()
    month = _MONTHS.get(parts["name"].casefold()) if parts.get("name") else int(parts["month"])
    try:
        return datetime(
            int(parts["year"]),
            month or 0,
            int(parts["day"]),
            int(parts.get("hour") or 0),
            int(parts.get("minute") or 0),
            tzinfo=UTC,
        )
    except ValueError:
        return None
