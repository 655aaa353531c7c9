"""Check support: does a claim's located evidence state what the claim says? Pure, no model.

The verifier proves that each quote is in the article; this module proves, one level up, that
the quotes carry the claim. A claim is verified only when every rule below passes:

* quotes: every quote is `exact` or `normalized` (the verifier's verdict, unchanged);
* numbers: every number of the statement and of its quantities (text and value) is stated, as
  the same value, in the article text its quotes point to (see `figures` for how numbers are
  read: "50.000" = "50 000" = 50000, "30" is never read inside "130");
* substance: the evidence is not only fragments: a quote of fewer than `MIN_QUOTE_WORDS` words
  cannot hold who did what, unless it is a whole sentence of the article (a short headline);
* entities: an entity the model lists must occur in the article; one that occurs in the article
  but not in the quotes is reported only (the place is often named a sentence earlier);
* names: the same for capitalised words of the statement itself (names the model may invent:
  "Poutine" in an article that never names him), except a sentence's first word;
* standalone: the statement does not open on a word that points back ("Selon eux", "Il", "Ce
  dernier", "The measure") and is no fragment ("Un pacte qui prévoit…"): `standalone.py`;
* wording: every content word of the statement is carried by its evidence, its speaker's
  passage or the sentences it was restated from (`wording.py`): a statement about one thing
  over a quote about another is not verified, number or none;
* speaker: who the claim credits is named in the article (or is the article's own voice);
* hedging (reported only): quotes in the conditional or attributed ("auraient", "selon",
  "reportedly") while the claim says `asserted`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence, Set
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from ..models import Evidence, Hedging, Problem, Quantity, Support
from ..text.sentences import paragraph_at, sentences_in
from .figures import Figure, find_figures, shown
from .folding import normalize
from .lexicon import OUTLET
from .standalone import not_standalone
from .wording import content_words, uncarried

WORDING_TOLERANCE = 3
"""This many content words its evidence does not carry (or over 30 % of them) make a statement
unsupported; fewer are reported only."""

MIN_QUOTE_WORDS = 4
"""Fewer words cannot state a claim: "30 soldats tués" names no one and says who said it."""

_WORD = re.compile(r"[^\W_]+")
_NAME = re.compile(r"[^\W\d_][\w-]*")
# What may stand between a sentence's end and its first word: spaces, quotation marks, brackets.
_OPENERS = frozenset("\"«»“”„'’([")
_ENDS = frozenset(".!?:;")
_TRIM = " \t\n\r\u00a0\u202f.,;:!?…\"'«»“”„’()[]-–—"
_HEDGES = re.compile(
    r"(?<!\w)(?:selon|d'après|d’après|aurai(?:en)?t|serai(?:en)?t|pourrai(?:en)?t|devrai(?:en)?t|"
    r"présumée?s?|prétendue?s?|supposée?s?|reportedly|allegedly|according to|purportedly|"
    r"is said to|are said to|claimed|claims)(?!\w)"
    # The French conditional: "se seraient produites", "auraient signé" (not "retrait", "portrait").
    r"|(?<!\w)\w+(?<!t)rai(?:en)?t(?!\w)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ClaimParts:
    """What the check reads of a claim: the model's fields, however the claim was written."""

    statement: str
    evidence: Sequence[Evidence]
    entities: Sequence[str] = ()
    quantities: Sequence[Quantity] = ()
    hedging: Hedging | None = None
    # Who it credits, and where the article names them (empty: not located, or the outlet).
    speaker: str | None = None
    speaker_spans: Sequence[tuple[int, int]] = ()
    # The sentences a restated statement may take its names from (the ones before its own).
    context_spans: Sequence[tuple[int, int]] = ()


# What a claim file may call the article's own voice.
OUTLET_NAMES = frozenset(
    {OUTLET, "the article", "the author", "outlet", "l'article", "le journal", "the newspaper"}
)


@dataclass
class SupportChecker:
    """The support check for one article; what it learns of the article is computed once."""

    text: str
    # The text as the verifier folds it, when it has done so already (`SourceIndex.folded`).
    folded: str | None = field(default=None, repr=False)
    _occurs: dict[str, bool] = field(default_factory=dict, repr=False)
    _paragraph_sentences: dict[tuple[int, int], set[tuple[int, int]]] = field(
        default_factory=dict, repr=False
    )
    # Computed on first use, as attributes rather than `functools.cached_property`: on Python 3.11
    # that holds one lock for every instance of the class while it computes, so a batch's
    # workers, each with its own article's checker, queued behind one another for it.
    _folded_text: str | None = field(default=None, init=False, repr=False)
    _lower_case_words: frozenset[str] | None = field(default=None, init=False, repr=False)

    @property
    def _folded(self) -> str:
        if self._folded_text is None:
            self._folded_text = self.folded if self.folded is not None else normalize(self.text)[0]
        return self._folded_text

    def _is_sentence(self, span: tuple[int, int]) -> bool:
        """Whether `span` is a whole sentence of the article. Only the paragraph it lies in is
        segmented, once per run: a long text with thousands of quotes is not segmented whole."""
        paragraph = paragraph_at(self.text, span[0])
        sentences = self._paragraph_sentences.get(paragraph)
        if sentences is None:
            sentences = {self._trimmed(a, b) for a, b in sentences_in(self.text, *paragraph)}
            self._paragraph_sentences[paragraph] = sentences
        return self._trimmed(*span) in sentences

    def _trimmed(self, start: int, end: int) -> tuple[int, int]:
        while start < end and self.text[start] in _TRIM:
            start += 1
        while end > start and self.text[end - 1] in _TRIM:
            end -= 1
        return start, end

    @property
    def lower_case_words(self) -> frozenset[str]:
        """Words the article writes in lower case: a capitalised one of them is no name."""
        if self._lower_case_words is None:
            self._lower_case_words = frozenset(filter(str.islower, _NAME.findall(self.text)))
        return self._lower_case_words

    def in_article(self, name: str) -> bool:
        if name not in self._occurs:
            self._occurs[name] = mentions(self._folded, name)
        return self._occurs[name]

    def check(self, claim: ClaimParts) -> Support:
        problems = list(quote_problems(claim.evidence))
        verified = [item for item in claim.evidence if item.verified]
        problems += _standalone_problems(claim)
        problems += self._speaker_problems(claim)
        if verified:
            passages = [self.text[start:end] for item in verified for start, end in item.spans]
            problems += number_problems(claim, passages)
            problems += self._substance_problems(verified)
            problems += self._name_problems(claim, passages)
            problems += self._wording_problems(claim, passages)
            problems += _hedging_problems(claim, passages)
        blocking = any(problem.blocking for problem in problems)
        return Support(verdict="unsupported" if blocking else "supported", problems=problems)

    def _substance_problems(self, verified: Sequence[Evidence]) -> list[Problem]:
        words = [len(_WORD.findall(item.quote)) for item in verified]
        if max(words) >= MIN_QUOTE_WORDS:
            return []
        if any(len(item.spans) == 1 and self._is_sentence(item.spans[0]) for item in verified):
            return []  # a whole sentence, however short, says what it says
        longest = max(words)
        if len(verified) == 1:
            quote = verified[0].quote.strip()
            message = f"its only quote is {_words(longest)}: “{quote}”, too short to state a claim"
        else:
            message = f"its quotes are too short to state a claim (the longest is {_words(longest)})"
        message += f"; quote at least {MIN_QUOTE_WORDS} words or a whole sentence"
        return [Problem(rule="substance", blocking=True, message=message, subject=verified[0].quote.strip())]

    def _wording_problems(self, claim: ClaimParts, passages: Sequence[str]) -> list[Problem]:
        sources = [*passages]
        sources += [self.text[a:b] for a, b in (*claim.speaker_spans, *claim.context_spans)]
        if claim.speaker and claim.speaker not in OUTLET_NAMES:
            sources.append(claim.speaker)
        # Names are the names rule's: blocking when the article never writes them, noted otherwise.
        names = set(_statement_names(claim.statement))
        missing = [word for word in uncarried(claim.statement, sources) if word not in names]
        if not missing:
            return []
        where = "its evidence" + (" nor the sentences before it" if claim.context_spans else "")
        shown_words = ", ".join(f"“{word}”" for word in missing[:6]) + (" …" if len(missing) > 6 else "")
        # A word or two of a longer statement that its evidence does not carry (the place named in
        # the title, "won" for "took first place") is reported; more is a statement about
        # something else, verified or not by other words.
        content = max(1, len(content_words(claim.statement)))
        blocking = len(missing) >= WORDING_TOLERANCE or len(missing) / content > 0.3
        message = f"the statement says {shown_words}, which {where} does not say"
        absent = [word for word in missing if not self.in_article(word)]
        if absent:
            message += f" ({', '.join(f'“{word}”' for word in absent)} nowhere in the article)"
        return [Problem(rule="wording", blocking=blocking, message=message, subject=" ".join(missing))]

    def _speaker_problems(self, claim: ClaimParts) -> list[Problem]:
        speaker = (claim.speaker or "").strip()
        if not speaker or claim.speaker_spans or speaker.lower() in OUTLET_NAMES:
            return []
        words = [word for word in _NAME.findall(speaker) if len(word) > 2]
        if (
            not words
            or self.in_article(speaker)
            or any(self.in_article(word) for word in words if word[0].isupper())
        ):
            return []
        if any(word[0].isupper() for word in words) or not any(self.in_article(word) for word in words):
            message = f"it credits “{speaker}”, whom the article never names"
            return [Problem(rule="speaker", blocking=True, message=message, subject=speaker)]
        return []

    def _name_problems(self, claim: ClaimParts, passages: Sequence[str]) -> list[Problem]:
        folded_evidence: str | None = None  # folded once a name the article has is looked for in it
        problems: list[Problem] = []
        seen: set[str] = set()
        for rule, name in [("entities", e.strip()) for e in claim.entities] + [
            ("names", n) for n in _statement_names(claim.statement)
        ]:
            key = normalize(name)[0]
            if not key or key in seen or not any(ch.isalnum() for ch in key):
                continue
            seen.add(key)
            if rule == "entities":
                seen.update(normalize(word)[0] for word in _NAME.findall(name))
            if not self.in_article(name):
                message = (
                    f"entity “{name}” occurs nowhere in the article"
                    if rule == "entities"
                    else f"the statement names “{name}”, which occurs nowhere in the article"
                )
                problems.append(Problem(rule=rule, blocking=True, message=message, subject=name))  # type: ignore[arg-type]
            else:
                if folded_evidence is None:
                    folded_evidence = " … ".join(normalize(passage)[0] for passage in passages)
                if mentions(folded_evidence, name):
                    continue
                what = "entity" if rule == "entities" else "name in the statement"
                message = f"{what} “{name}” is in the article but not in its quotes"
                problems.append(Problem(rule=rule, blocking=False, message=message, subject=name))  # type: ignore[arg-type]
        return problems


def _words(count: int) -> str:
    return f"{count} word{'' if count == 1 else 's'}"


def mentions(folded_text: str, name: str) -> bool:
    """`name` occurs in `folded_text` as whole words; a name of 4+ letters may take a short ending.

    Typography is folded as the verifier folds it ("l’Ukraine" = "l'Ukraine"); endings let
    "Nord-Coréen" match "Nord-Coréens" without letting "Iran" match "Irak".
    """
    pattern = _mention(name)
    return pattern is not None and pattern.search(folded_text) is not None


@lru_cache(maxsize=8192)
def _mention(name: str) -> re.Pattern[str] | None:
    """The pattern of `name` as whole words: made once a name, not once a claim (a claims file of
    thousands asks about the same names again, more of them than `re` keeps compiled)."""
    needle = normalize(name)[0].strip()
    if not needle:
        return None
    ending = r"\w{0,3}" if len(needle) >= 4 else ""
    return re.compile(rf"(?<!\w){re.escape(needle)}{ending}(?!\w)")


def names_in(text: str, common: Set[str] = frozenset()) -> list[str]:
    """The names `text` uses: runs of capitalised words ("Volodymyr Zelensky"), not a sentence's first word.

    A capitalised word in `common` (words the article also writes in lower case: "la Défense"
    when it writes "défense") is a common noun, not part of a name. The sentence strategy takes
    a claim's entities from here rather than from a small model, which translates them ("Kursk"
    for the article's "Koursk") however it is told.
    """
    names: list[str] = []
    previous_end = -1
    for match in _name_words(text, common):
        if names and text[previous_end : match.start()] == " ":
            names[-1] += " " + match.group()
        else:
            names.append(match.group())
        previous_end = match.end()
    return list(dict.fromkeys(names))


def _statement_names(statement: str) -> list[str]:
    """Capitalised words of the statement that do not begin a sentence: the names it uses."""
    return [match.group() for match in _name_words(statement)]


def _name_words(text: str, common: Set[str] = frozenset()) -> Iterator[re.Match[str]]:
    """Capitalised words that do not begin a sentence and are not common nouns of the article."""
    for match in _NAME.finditer(text):
        word = match.group()
        if (
            word[0].isupper()
            and len(word) > 1
            and word.lower() not in common
            and not _opens_sentence(text, match.start())
        ):
            yield match


def _opens_sentence(text: str, at: int) -> bool:
    """Whether a word at `at` begins a sentence: only spaces, quotation marks and brackets
    between it and the text's start, a line break, or a `.!?:;`. Read backwards from `at`, not
    searched for in the whole text before it (once per capitalised word)."""
    while at > 0:
        before = text[at - 1]
        if before == "\n":
            return True
        if not (before.isspace() or before in _OPENERS):
            return before in _ENDS
        at -= 1
    return True


def quote_problems(evidence: Sequence[Evidence]) -> Iterable[Problem]:
    if not evidence:
        yield Problem(rule="quotes", blocking=True, message="it has no evidence quote")
    for number, item in enumerate(evidence, start=1):
        label = f"quote {number}" if len(evidence) > 1 else "its quote"
        quote = item.quote.strip()
        if item.status == "missing":
            detail = "is empty" if not quote else "is not in the article"
            yield Problem(rule="quotes", blocking=True, message=f"{label} {detail}", subject=quote)
        elif item.status == "fuzzy":
            differences = "; ".join(str(difference) for difference in item.differences[:3])
            detail = f" (article → quote: {differences})" if differences else ""
            message = f"{label} differs from the article{detail}"
            yield Problem(rule="quotes", blocking=True, message=message, subject=quote)


def number_problems(claim: ClaimParts, passages: Sequence[str]) -> list[Problem]:
    given = [figure for passage in passages for figure in find_figures(passage)]
    values = {figure.value for figure in given}
    percents = {figure.value for figure in given if figure.percent}
    they_give = ", ".join(
        dict.fromkeys(shown(figure.value) + ("%" if figure.percent else "") for figure in given)
    )
    hint = f" (they give {they_give})" if they_give else " (they give no number)"
    problems: list[Problem] = []
    reported: set[Decimal] = set()

    def missing(figure: Figure) -> bool:
        return figure.value not in (percents if figure.percent else values)

    claimed: list[Figure] = find_figures(claim.statement)
    for quantity in claim.quantities:
        claimed += find_figures(quantity.text)
    for figure in claimed:
        if missing(figure) and figure.value not in reported:
            reported.add(figure.value)
            message = f"{figure.text.strip()} is in none of its quotes{hint}"
            problems.append(
                Problem(rule="numbers", blocking=True, message=message, subject=figure.text.strip())
            )
    for quantity in claim.quantities:
        value = _decimal(quantity.value)
        if value is None or value in values or value * 100 in percents or value in reported:
            continue
        reported.add(value)
        message = (
            f"quantity “{quantity.text}” has the value {shown(value)}, which none of its quotes gives{hint}"
        )
        problems.append(Problem(rule="numbers", blocking=True, message=message, subject=shown(value)))
    return problems


def _decimal(value: float | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(repr(float(value))).normalize()
    except (InvalidOperation, ValueError, OverflowError):
        return None


def _standalone_problems(claim: ClaimParts) -> list[Problem]:
    words = not_standalone(claim.statement)
    if words is None:
        return []
    message = (
        f"the statement opens on “{words}”, which points to an earlier sentence: it does not stand "
        "alone; say who or what that is"
    )
    return [Problem(rule="standalone", blocking=True, message=message, subject=words)]


def _hedging_problems(claim: ClaimParts, passages: Sequence[str]) -> list[Problem]:
    if claim.hedging is not Hedging.asserted:
        return []
    for passage in passages:
        match = _HEDGES.search(passage)
        if match:
            message = f"its quotes hedge or attribute it (“{match.group()}”) but the claim says asserted"
            return [Problem(rule="hedging", blocking=False, message=message, subject=match.group())]
    return []


def reask_lines(number: int, support: Support, *, source: str | None = None) -> list[str]:
    """What to tell the model about claim `number` so that it can fix it.

    With `source` ("the sentence"), the evidence is not the model's to choose: it is told to
    keep the claim to what that source says instead of to quote something else.
    """
    lines = []
    for problem in support.blocking:
        subject = problem.subject or ""
        if problem.rule == "numbers" and source:
            line = f"Claim {number} says {subject}, which {source} does not say; say only what {source} says."
        elif problem.rule == "numbers":
            line = f"Claim {number} says {subject}; quote the passage of the article that says {subject}."
        elif problem.rule == "substance":
            line = f"Claim {number}: “{subject}” is too short; quote the whole sentence stating the claim."
        elif problem.rule in ("entities", "names"):
            line = (
                f"Claim {number} names “{subject}”, which the article never writes; copy names exactly as "
                "the article writes them."
            )
        elif problem.rule == "standalone":
            line = (
                f"Claim {number} begins with “{subject}”, which a reader without the article cannot "
                "follow; name who or what it is, as the sentences before it do."
            )
        elif problem.rule == "wording":
            where = source or "its quotes"
            line = f"Claim {number} says “{subject}”, which {where} does not say; say only what {where} says."
        elif problem.rule == "speaker":
            line = f"Claim {number} credits “{subject}”, whom the article never names; credit who says it."
        else:
            continue
        lines.append(line)
    return lines
