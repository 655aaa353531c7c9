"""Who says it, read from the text: reporting cues and the speakers they name, as spans of the article.

French and English, without a model:

* a source preposition and who follows it: "selon le GUR", "d'après Kiev", "according to the
  county council";
* a subject and its reporting verb: "Kiev a d'ailleurs averti", "le secrétaire américain à la
  Défense Lloyd Austin avait quant à lui estimé", "Chief executive Martin Pryce said";
* the same inverted after a quote or a comma: "…, a indiqué le ministre", "…, said the mayor";
* a passive report: "révélée par les services de renseignement militaire ukrainien (GUR)",
  "confirmed by officials".

A speaker that is a pronoun ("Selon eux", "he said", "a-t-il ajouté") is read in the sentences
before: the speakers they name, the latest first. Where several candidates remain, the model
chooses among them; where there is none, the article speaks in its own voice (the outlet).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from . import lexicon

MAX_SPEAKER_WORDS = 12
"""A longer noun phrase is no speaker but a clause read wrong: it is dropped."""

# ‘ too, which some sites type for an apostrophe ("l‘armée").
_OPENING_APOSTROPHE = (("‘", "'"),)  # an apostrophe to writers who type it for ’


def _alternatives(words: Sequence[str]) -> str:
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))


_OPENING_PREPOSITIONS = frozenset(
    "in on at after before during for with since amid despite under dans en après avant pendant pour "
    "avec depuis lors face côté malgré sous".split()
)


@dataclass(frozen=True)
class _Cues:
    """The reporting cues as patterns: alternations of hundreds of words, compiled on first need
    (5 ms at every start, which a command that reads no speaker, `claimex verify`, never uses)."""

    fr_verb_group: re.Pattern[str]
    fr_present: re.Pattern[str]
    en_verb: re.Pattern[str]
    participle_ing: re.Pattern[str]
    preposition: re.Pattern[str]
    passive: re.Pattern[str]
    after_speaker: re.Pattern[str]


@functools.cache
def _cues() -> _Cues:
    inserts = _alternatives([*lexicon.FR_INSERTS, *lexicon.FR_INSERT_PHRASES])
    participles = _alternatives([*lexicon.FR_REPORTING_PARTICIPLES, *lexicon.FR_REPORTING_PHRASES])
    passives = _alternatives([*lexicon.FR_PASSIVE_PARTICIPLES, *lexicon.EN_PASSIVE_PARTICIPLES])
    return _Cues(
        fr_verb_group=re.compile(
            rf"(?<![\w'])(?:{_alternatives(lexicon.FR_AUXILIARIES)})(?:-t-(?P<inverted_pronoun>il|elle|ils|elles|on))?"
            rf"\s+(?:(?:{inserts})\s+)*(?P<verb>{participles})(?!\w)"
        ),
        fr_present=re.compile(
            rf"(?<![\w'-])(?P<verb>{_alternatives(lexicon.FR_REPORTING_PRESENT)})(?:-t-(?P<inverted_pronoun>il|elle|ils|elles|on)|-(?P<inverted_pronoun2>il|elle|ils|elles))?(?!\w)"
        ),
        en_verb=re.compile(
            rf"(?<![\w'-])(?:(?:{_alternatives(lexicon.EN_INSERTS)})\s+)?(?P<verb>{_alternatives(lexicon.EN_REPORTING_VERBS)})(?!\w)"
        ),
        participle_ing=re.compile(rf",\s*(?P<verb>{_alternatives(lexicon.REPORTING_PARTICIPLES_ING)})(?!\w)"),
        preposition=re.compile(rf"(?<![\w'])(?P<cue>{_alternatives(lexicon.SOURCE_PREPOSITIONS)})\s+"),
        passive=re.compile(rf"(?<![\w'])(?P<cue>(?:{passives})\s+(?:par|by))\s+"),
        after_speaker=re.compile(rf"\s(?:{_alternatives(lexicon.AFTER_SPEAKER)})(?!\w)"),
    )


# Where a noun phrase read forward stops: punctuation, or a word that opens a clause.
_NP_STOP = re.compile(
    r"[,;:.!?«»\"“”]|\s(?:que|qu'|qui|dont|lorsque|quand|où|alors|that|who|which|whose|when|where|while|on\s+(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday))(?!\w)|\s-\s|\s–\s|\s—\s"
)
# Where a subject read backward from its verb starts: punctuation, or a clause opening word.
_CLAUSE_START = re.compile(r"[,;:«»\"“”.!?]|(?<![\w'])(?:que|qu'|that|et|and|mais|but)\s|^")
# An inverted speaker starts with a determiner or a name: "…, a précisé la préfète", "…, said the mayor".
_WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*")
# A determiner before a verb form makes it a noun or an adjective: "the claim", "an estimated
# 600", "la note", "le juge".
_DETERMINER_BEFORE = re.compile(
    r"(?<![\w'])(?:the|a|an|its|his|her|their|our|this|that|these|those|le|la|les|l'|un|une|des|du|"
    r"ce|cette|ces|son|sa|ses|leur|leurs|de|d')\s+$"
)


@dataclass(frozen=True)
class Attribution:
    """One reporting cue of a sentence and who it names, as offsets into the article."""

    speaker: tuple[int, int]
    cue: tuple[int, int]
    pronoun: bool  # the speaker is a pronoun: who it is is said in an earlier sentence

    def speaker_text(self, text: str) -> str:
        return text[self.speaker[0] : self.speaker[1]]


@dataclass(frozen=True)
class Candidate:
    """Who may say what a sentence says: a span of the article, and where it was found."""

    span: tuple[int, int]
    earlier: bool  # named in an earlier sentence, for a pronoun of this one

    def text_of(self, text: str) -> str:
        return text[self.span[0] : self.span[1]]


@dataclass(frozen=True)
class Speakers:
    """What the cues say of one sentence's speaker."""

    candidates: tuple[Candidate, ...]  # the likeliest first; none: the outlet's own voice
    pronoun: bool  # a cue names the speaker by a pronoun ("Selon eux")
    cues: tuple[tuple[int, int], ...]  # the reporting cues found in the sentence

    @property
    def settled(self) -> bool:
        """One reading only: the outlet, or a single candidate."""
        return len(self.candidates) <= 1


def attributions(text: str, start: int, end: int) -> list[Attribution]:
    """Every reporting cue of `text[start:end]` with the speaker it names, in text order."""
    plain = lexicon.straight_apostrophes(text[start:end].lower(), _OPENING_APOSTROPHE)
    found: dict[tuple[int, int], Attribution] = {}

    def add(speaker: tuple[int, int] | None, cue: tuple[int, int]) -> None:
        if speaker is None:
            return
        a, b = speaker
        words = _WORD.findall(plain[a:b])
        if not words or len(words) > MAX_SPEAKER_WORDS:
            return
        while len(words) > 1 and words[-1] in lexicon.TRAILING_AUXILIARIES:
            # "it didn't say", "he continues to expect": the subject is before the auxiliary.
            words.pop()
            b = a + plain[a:b].rfind(words[-1]) + len(words[-1])
        pronoun = len(words) == 1 and words[0] in lexicon.SPEAKER_PRONOUNS
        if words[0] in lexicon.FIRST_PERSON_POSSESSIVES or words[0] in lexicon.NOT_A_SPEAKER_START:
            return  # "d'après nos données": the quoted speaker's own source, not a speaker
        span = (start + a, start + b)
        if span not in found:
            found[span] = Attribution(span, (start + cue[0], start + cue[1]), pronoun)

    cues = _cues()
    for match in cues.preposition.finditer(plain):
        add(_phrase_after(plain, match.end()), match.span("cue"))
    for match in cues.participle_ing.finditer(plain):
        add(_main_subject(text[start:end], plain, match.start()), match.span("verb"))
    for match in cues.passive.finditer(plain):
        add(_phrase_after(plain, match.end()), match.span("cue"))
    for pattern in (cues.fr_verb_group, cues.fr_present, cues.en_verb):
        for match in pattern.finditer(plain):
            before = plain[: match.start()]
            if pattern is not cues.fr_verb_group and _DETERMINER_BEFORE.search(plain[: match.start("verb")]):
                continue
            previous = _WORD.findall(before[-20:])
            if previous and previous[-1] in lexicon.PASSIVE_AUXILIARIES:
                continue
            if match.group("verb") in lexicon.EN_AMBIGUOUS_FORMS:
                following = _WORD.findall(plain[match.end() : match.end() + 20])
                if following and following[0] in lexicon.PREPOSITIONS_AFTER_NOUN:
                    continue
            if before.rstrip().endswith(",") and _inverted_speaker(text[start:end], match.end()):
                # "…, a précisé la préfète", "…, said the mayor": the speaker follows the verb.
                add(_speaker_after_verb(plain, match.end()), match.span())
                continue
            pronoun = match.groupdict().get("inverted_pronoun") or match.groupdict().get("inverted_pronoun2")
            if pronoun:
                group = "inverted_pronoun" if match.group("inverted_pronoun") else "inverted_pronoun2"
                add(match.span(group), match.span())
                continue
            subject = _phrase_before(plain, match.start(), text[start:end])
            if subject is not None and plain[subject[0] : subject[1]] in lexicon.RELATIVE_SUBJECTS:
                # "…, un courtier local, qui prévient": the speaker is the phrase before "qui".
                subject = _phrase_before(plain, subject[0], text[start:end])
            if subject is None:
                # "…, a indiqué le ministre", "“…,” said the mayor": the speaker follows the verb.
                subject = _phrase_after(plain, match.end())
            add(subject, match.span())
    return sorted(found.values(), key=lambda attribution: attribution.cue)


def speakers(
    text: str,
    sentence: tuple[int, int],
    earlier: Sequence[tuple[int, int]] = (),
    later: tuple[int, int] | None = None,
) -> Speakers:
    """The speaker candidates of one sentence; `earlier` are the sentences before it, nearest last,
    and `later` the one after it (a quotation's speaker is often named just after it)."""
    own = attributions(text, *sentence)
    quotation = text[sentence[0] : sentence[1]].lstrip()[:1] in '«“"'
    if not own and quotation and later is not None:
        after = [a for a in attributions(text, *later) if not a.pronoun]
        if after:
            return Speakers((Candidate(after[0].speaker, earlier=True),), False, ())
    if not own and quotation and earlier:
        # A quotation with no cue after a quoted sentence that names its speaker: a newspaper's
        # next paragraph of the same speaker's words ("…," Ms McEntee said. / "My focus…").
        previous = earlier[-1]
        if any(mark in text[previous[0] : previous[1]] for mark in '«“"'):
            quoted = [a for a in attributions(text, *previous) if not a.pronoun]
            if quoted:
                return Speakers((Candidate(quoted[-1].speaker, earlier=True),), False, ())
    named = [Candidate(a.speaker, earlier=False) for a in own if not a.pronoun]
    pronoun = any(a.pronoun for a in own)
    resolved: list[Candidate] = []
    if pronoun:
        for before in reversed(earlier):
            named_before = [a for a in reversed(attributions(text, *before)) if not a.pronoun]
            resolved += [Candidate(a.speaker, earlier=True) for a in named_before]
    candidates: list[Candidate] = []
    seen: set[str] = set()
    for candidate in [*named, *resolved]:
        key = " ".join(candidate.text_of(text).lower().split())
        if key not in seen:
            seen.add(key)
            candidates.append(candidate)
    return Speakers(tuple(candidates), pronoun, tuple(a.cue for a in own))


def _skip_time(plain: str, position: int) -> int:
    """Past the time words after a verb: "a déclaré jeudi le ministre" → "le ministre"."""
    while True:
        match = re.match(r"\s*([^\W\d_]+(?:'[^\W\d_]+)?)", plain[position:])
        if match is None or match.group(1) not in lexicon.TIME_ADVERBS:
            return position
        position += match.end()


def _inverted_speaker(original: str, position: int) -> bool:
    """After ", a précisé" or ", said": a determiner or a capitalised name, not a clause ("she had",
    "the wagon will be able")."""
    position = _skip_time(original.lower(), position)
    words = _WORD.findall(original[position : position + 80])
    if not words:
        return False
    first = words[0]
    opens = first.lower() in {"le", "la", "les", "l", "un", "une", "des", "the", "a", "an"} or (
        first[0].isupper() and first.lower() not in lexicon.SPEAKER_PRONOUNS
    )
    phrase = _phrase_after(original.lower(), position)
    if not opens or phrase is None:
        return False
    return not any(
        word in lexicon.SUBJECT_ENDS for word in _WORD.findall(original.lower()[phrase[0] : phrase[1]])[1:]
    )


def _speaker_after_verb(plain: str, position: int) -> tuple[int, int] | None:
    span = _phrase_after(plain, _skip_time(plain, position))
    if span is None:
        return None
    stop = _cues().after_speaker.search(plain, span[0], span[1])
    return _trimmed(plain, span[0], stop.start()) if stop else span


def _main_subject(original: str, plain: str, comma: int) -> tuple[int, int] | None:
    """The subject of the main clause before ", saying that" / ", arguant que".

    The first comma-separated segment that does not open on a preposition ("In response to…")
    is the main clause; its subject runs from its start to its first verb-like word.
    """
    cursor = 0
    for segment in re.finditer(r"[^,]+", plain[:comma]):
        words = list(_WORD.finditer(segment.group()))
        if not words or words[0].group() in _OPENING_PREPOSITIONS:
            continue
        cursor = segment.start()
        end = segment.end()
        for word in words[1:]:
            token = word.group()
            written = original[segment.start() + word.start() : segment.start() + word.end()]
            if token in lexicon.SUBJECT_ENDS or (token.endswith("ed") and written.islower()):
                end = segment.start() + word.start()
                break
        return _trimmed(plain, cursor, end)
    return None


def _phrase_after(plain: str, position: int) -> tuple[int, int] | None:
    """The noun phrase that starts at `position`: up to punctuation or a clause word, brackets kept."""
    rest = plain[position:]
    stop = _NP_STOP.search(rest)
    end = position + (stop.start() if stop else len(rest))
    # "les services de renseignement militaire ukrainien (GUR)": a short bracket belongs to it.
    bracket = re.match(r"\s*\([^()]{1,30}\)", plain[end:])
    if bracket is None and plain[position:end].count("(") > plain[position:end].count(")"):
        closing = plain.find(")", end)
        if 0 <= closing - end <= 30:
            end = closing + 1
    return _trimmed(plain, position, end)


def _is_name(original: str, start: int, end: int) -> bool:
    """A short run of capitalised words ("Andrew Hencic", "Priya Anand"): a person or a body."""
    words = _WORD.findall(original[start:end])
    return 0 < len(words) <= 4 and all(word[0].isupper() for word in words)


def _phrase_before(plain: str, position: int, original: str = "") -> tuple[int, int] | None:
    """The subject that ends at `position` (a verb's start): back to the clause's start.

    When the verb directly follows a comma ("The council leader, Priya Anand, said"), the
    subject is the segment before that comma; when that is a quote ("“…,” said the mayor"), there
    is none here and the caller reads the speaker after the verb.
    """
    head = plain[:position]
    stripped = head.rstrip()
    if not stripped or stripped[-1] in '«»"“”':
        return None
    if stripped[-1] == ",":
        before = stripped[:-1].rstrip()
        if not before or before[-1] in '«»"“”.!?':
            return None
        starts = [m.end() for m in _CLAUSE_START.finditer(before + " ") if m.end() <= len(before)]
        start = starts[-1] if starts else 0
        opening = _WORD.findall(plain[start : len(before)])
        if opening and opening[0] in lexicon.RELATIVE_SUBJECTS and len(starts) > 1:
            # "The German automaker, which has focused on…, says": the phrase before "which".
            return _phrase_before(plain, start, original)
        if (
            original
            and len(starts) > 1
            and plain[starts[-1] - 1] == ","
            and _is_name(original, starts[-2], starts[-1] - 1)
        ):
            # "Andrew Hencic, senior economist at TD Economics, said": the name and its role.
            return _without_conjunction(plain, starts[-2], len(before))
        return _without_conjunction(plain, start, len(before))
    starts = [m.end() for m in _CLAUSE_START.finditer(head) if m.end() <= len(head)]
    return _without_conjunction(plain, starts[-1] if starts else 0, len(stripped))


def _without_conjunction(plain: str, start: int, end: int) -> tuple[int, int] | None:
    """The phrase without what opens its clause before the subject: "yet Nissan" → "Nissan",
    "With this backdrop he" → "he"."""
    match = re.match(r"\s*([^\W\d_]+)\s+", plain[start:end])
    if match and match.group(1) in lexicon.LEADING_CONJUNCTIONS:
        start += match.end()
    words = list(_WORD.finditer(plain, start, end))
    if len(words) > 1 and words[-1].group() in lexicon.SPEAKER_PRONOUNS:
        start = words[-1].start()  # a subject pronoun ends the phrase before the verb
    return _trimmed(plain, start, end)


def _trimmed(plain: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and not plain[start].isalnum() and plain[start] != "(":
        start += 1
    while end > start and not (plain[end - 1].isalnum() or plain[end - 1] == ")"):
        end -= 1
    return (start, end) if start < end else None
