"""The quality bench's labelled sets and its scoring: pure, no model, no server.

Written here on purpose, apart from claimex's own checks, so that the bench does not grade
claimex with claimex: numbers are read digit-wise, speakers by name, standalone statements by
a rule list of their own. Only the two baselines use claimex (its sentence selection and its
verifier), because they must be scored exactly like a model's claims.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimex.checks.verdict import Article as CheckedArticle
from claimex.checks.verdict import judged
from claimex.models import VERIFIED_STATUSES, Claim, ClaimType, Hedging
from claimex.text.documents import load_document
from claimex.text.selection import select_sentences

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
SETS = {
    "dev": HERE / "realset" / "dev",
    "heldout": HERE / "realset" / "heldout",
    "synthetic": HERE / "devset",
}
DEVSET = SETS["synthetic"]  # the synthetic unit-test set; its name predates the real one
HEDGING_VALUES = frozenset(item.value for item in Hedging)
OUTLET = "the outlet"

Span = tuple[int, int]

# --- the labelled sets ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    id: str
    passage: str
    figure: str | None
    speaker: str  # the first acceptable name (the synthetic set has only one)
    note: str = ""
    speakers: tuple[str, ...] = ()
    speaker_passage: str | None = None
    hedging: str | None = None


@dataclass(frozen=True)
class Article:
    name: str
    path: Path
    text: str
    language: str
    facts: tuple[Fact, ...]
    nothing_to_check: tuple[str, ...]
    source: dict[str, Any] = field(default_factory=dict)


class LabelError(Exception):
    """A label that does not fit its article: the labelled set, not claimex, is wrong."""


def label_files(folder: Path = DEVSET) -> list[Path]:
    return sorted(folder.glob("*.facts.json"))


def _fact(item: dict[str, Any]) -> Fact:
    speaker = item.get("speaker", "")
    speakers = tuple(speaker) if isinstance(speaker, list) else ((speaker,) if speaker else ())
    return Fact(
        id=item["id"],
        passage=item["passage"],
        figure=item.get("figure"),
        speaker=speakers[0] if speakers else "",
        note=item.get("note", ""),
        speakers=speakers,
        speaker_passage=item.get("speaker_passage"),
        hedging=item.get("hedging"),
    )


def load_article(label_path: Path) -> Article:
    """One article and its labels; the text is what claimex sees (`load_document`)."""
    name = label_path.name.removesuffix(".facts.json")
    label = json.loads(label_path.read_text(encoding="utf-8"))
    path = ROOT / label["article"] if label.get("article") else label_path.with_name(f"{name}.txt")
    text = load_document(path).text
    facts = tuple(_fact(item) for item in label["facts"])
    article = Article(
        name,
        path,
        text,
        label["language"],
        facts,
        tuple(label.get("nothing_to_check", [])),
        label.get("source") or {},
    )
    for fact in facts:
        passage_span(text, fact.passage, where=f"{name} {fact.id}")
        if fact.speaker_passage is not None:
            passage_span(text, fact.speaker_passage, where=f"{name} {fact.id} speaker_passage")
    for passage in article.nothing_to_check:
        passage_span(text, passage, where=f"{name} nothing_to_check")
    return article


def load_devset(names: Sequence[str] | None = None, devset: Path = DEVSET) -> list[Article]:
    files = {path.name.removesuffix(".facts.json"): path for path in label_files(devset)}
    if not files:
        raise SystemExit(f"{devset}: no labelled article (NAME.facts.json) in this folder")
    if names:
        unknown = [name for name in names if name not in files]
        if unknown:
            raise SystemExit(f"unknown article(s) {', '.join(unknown)}; the set has: {', '.join(files)}")
        return [load_article(files[name]) for name in names]
    return [load_article(path) for path in files.values()]


def set_folder(name: str) -> Path:
    """`dev`, `heldout`, `synthetic`, or a folder of labelled articles."""
    if name in SETS:
        return SETS[name]
    folder = Path(name).expanduser()
    if not folder.is_dir():
        raise SystemExit(f"--set {name}: neither {', '.join(SETS)} nor a folder")
    return folder


def passage_span(text: str, passage: str, *, where: str = "passage") -> Span:
    start = text.find(passage) if passage else -1
    if start < 0:
        raise LabelError(f"{where}: {passage!r} is not a verbatim substring of the article")
    return start, start + len(passage)


def all_spans(text: str, passage: str) -> list[Span]:
    return [(m.start(), m.end()) for m in re.finditer(re.escape(passage), text)] if passage else []


# --- numbers, compared digit-wise --------------------------------------------------------------

# A number as news pages write it: digit groups of three after a space of any kind, a dot or a
# comma ("12 000", "50.000", "1,150"), then an optional decimal part ("3,5", "4.8"). A dot or
# comma followed by other than exactly three digits is a decimal separator.
_GROUP_SEPARATOR = r"(?:[ \u00a0\u202f\u2009]|[.,](?=\d{3}(?!\d)))"
_NUMBER = re.compile(rf"(?<![\d])(?:\d{{1,3}}(?:{_GROUP_SEPARATOR}\d{{3}})+(?!\d)|\d+)(?:[.,]\d+)?(?!\d)")


def canonical_number(raw: str) -> str:
    """'12 000' → '12000', '50.000' → '50000', '3,5' → '3.5', '4,20' → '4.2', '007' → '7'.

    The part after the last dot or comma is decimals unless it is a group of exactly three digits.
    """
    decimal = re.search(r"[.,](\d+)$", raw)
    if decimal and len(decimal.group(1)) != 3:
        whole, decimals = raw[: decimal.start()], decimal.group(1)
    else:
        whole, decimals = raw, ""
    digits = re.sub(r"\D", "", whole).lstrip("0") or "0"
    decimals = decimals.rstrip("0")
    return f"{digits}.{decimals}" if decimals else digits


def numbers_in(text: str) -> list[str]:
    """Every number in `text`, canonical, in order."""
    return [canonical_number(match.group()) for match in _NUMBER.finditer(text)]


def carries_figure(statement: str, figure: str | None) -> bool:
    """Whether every number of `figure` is among the statement's numbers (None: nothing to carry)."""
    if figure is None:
        return True
    wanted = numbers_in(figure)
    found = set(numbers_in(statement))
    return bool(wanted) and all(number in found for number in wanted)


# --- coverage and the one-to-one matching ----------------------------------------------------------


def verified_spans(claim: Claim) -> list[Span]:
    return [
        (int(start), int(end))
        for item in claim.evidence
        if item.status in VERIFIED_STATUSES
        for start, end in item.spans
    ]


def overlaps(a: Span, b: Span) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def covers(claim: Claim, passage: Span, figure: str | None) -> bool:
    """A verified claim whose evidence overlaps the passage and whose statement has the figure."""
    if not claim.verified:
        return False
    if not any(overlaps(span, passage) for span in verified_spans(claim)):
        return False
    return carries_figure(claim.statement, figure)


def match_facts(
    candidates: Sequence[Sequence[int]], good: Sequence[set[int]] | None = None
) -> dict[int, int]:
    """The best one-to-one assignment of facts to claims: fact index → claim index.

    `candidates[f]` are the claims that cover fact f; a claim covers at most one fact. The best
    assignment matches the most facts; among those, the most with the right speaker
    (`good[f]`, the candidates of f whose speaker is right), then the earliest claims. Five facts
    with a handful of candidates each: an exhaustive search is exact and instant.
    """
    good = good if good is not None else [set() for _ in candidates]
    best: tuple[tuple[int, int, int], dict[int, int]] = ((0, 0, 0), {})

    def search(
        fact: int, used: set[int], chosen: dict[int, int], matched: int, right: int, cost: int
    ) -> None:
        nonlocal best
        if fact == len(candidates):
            key = (matched, right, -cost)
            if key > best[0]:
                best = (key, dict(chosen))
            return
        remaining = len(candidates) - fact
        if (matched + remaining, right + remaining) < best[0][:2]:
            return  # even matching every fact left cannot beat the best found
        for claim in candidates[fact]:
            if claim in used:
                continue
            used.add(claim)
            chosen[fact] = claim
            search(fact + 1, used, chosen, matched + 1, right + (claim in good[fact]), cost + claim)
            del chosen[fact]
            used.discard(claim)
        search(fact + 1, used, chosen, matched, right, cost)

    search(0, set(), {}, 0, 0, 0)
    return best[1]


# --- speakers ------------------------------------------------------------------------------------


def folded_name(name: str) -> str:
    """Lower case, no accents, words only: "Quai d’Orsay" → "quai d orsay"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.findall(r"[^\W_]+", bare))


def same_speaker(said: str, acceptable: Iterable[str]) -> bool:
    """Whether `said` names one of the acceptable speakers: whole-word containment either way."""
    mine = folded_name(said)
    if not mine:
        return False
    for name in acceptable:
        theirs = folded_name(name)
        if theirs and (f" {theirs} " in f" {mine} " or f" {mine} " in f" {theirs} "):
            return True
    return False


def speaker_spans_of(claim: Any, text: str) -> list[Span]:
    """Where the claim's result says its speaker is, if the result has it (the schema may grow).

    Read when present: `speaker_spans` ([[start, end], ...]) or `speaker_passage` (a quote, or an
    object or dict with `spans`).
    """
    fields = dict(getattr(claim, "model_extra", None) or {})
    for name in ("speaker_spans", "speaker_passage"):
        if hasattr(claim, name):
            fields[name] = getattr(claim, name)
    spans: list[Span] = []
    for value in (fields.get("speaker_spans"), fields.get("speaker_passage")):
        if value is None:
            continue
        if isinstance(value, str):
            spans += all_spans(text, value)
            continue
        inner = value.get("spans") if isinstance(value, dict) else getattr(value, "spans", value)
        for item in inner or ():
            if isinstance(item, list | tuple) and len(item) == 2:
                spans.append((int(item[0]), int(item[1])))
    return spans


def speaker_right(claim: Claim, fact: Fact, text: str) -> bool:
    if same_speaker(getattr(claim, "speaker", "") or "", fact.speakers or (fact.speaker,)):
        return True
    if fact.speaker_passage is None:
        return False
    labelled = all_spans(text, fact.speaker_passage)
    return any(overlaps(mine, theirs) for mine in speaker_spans_of(claim, text) for theirs in labelled)


# --- statements that do not stand alone --------------------------------------------------------------

# A statement must make sense without the article. It does not when it opens on a pronoun, a
# demonstrative, a possessive or a definite noun that points back to an earlier sentence, or
# when it is a fragment with no verb. Checked on the statement's opening words, after quotes.
PRONOUN_OPENERS = (
    # French
    "il", "elle", "ils", "elles", "lui", "eux", "ce dernier", "cette dernière", "ces derniers",
    "ces dernières", "celui-ci", "celle-ci", "ceux-ci", "celles-ci", "celui-là", "celle-là",
    "selon eux", "selon lui", "selon elle", "selon elles", "d'après eux", "d'après lui",
    "d'après elle", "d'après elles", "c'est", "cela", "ceci", "ça", "ce", "cet", "cette", "ces",
    "son", "sa", "ses", "leur", "leurs",
    # English
    "he", "she", "they", "it", "him", "them", "this", "these", "that", "those", "such", "his", "her",
    "their", "its", "according to him", "according to her", "according to them",
)  # fmt: skip
# A definite noun points back unless a name or a complement says which one follows it
# ("La loi Evin", "the report of the IMF"): "La loi crée...", "The company, which...".
NOUN_OPENERS = (
    "le pacte", "la mesure", "le texte", "le dispositif", "la loi", "le projet", "la décision",
    "le rapport", "l'accord", "l'entreprise", "la société", "le groupe", "le suspect", "l'homme",
    "la femme", "la victime", "l'attaque", "l'appareil", "le ministère", "la commission",
    "the measure", "the company", "the firm", "the group", "the deal", "the move", "the plan",
    "the bill", "the law", "the report", "the decision", "the agency", "the department",
    "the ministry", "the proposal", "the statement", "the attack", "the suspect", "the man",
    "the woman", "the victim", "the ruling", "the case", "the institute", "the bank",
)  # fmt: skip
_SPECIFIERS = frozenset({"of", "by", "from", "de", "du", "des", "d", "sur", "on", "for"})


def _wordset(*lines: str) -> frozenset[str]:
    return frozenset(" ".join(lines).split())


EN_VERBS = _wordset(
    # English auxiliaries, modals, and verbs news statements use in the present
    "is are was were be been being am has have had having do does did will would can could may might "
    "must shall should said says say told tells tell adds plans expects wants claims reports shows "
    "remains includes faces holds owes needs makes takes gives gets goes comes seeks sees becomes "
    "leads means puts runs sets stands works calls asks warns estimates denies confirms agrees argues "
    "believes thinks knows taken given shown known seen grown fallen risen written rises falls grows "
    "cuts hits pays sells buys leaves meets wins loses reaches rejects accuses blames urges vows approves "
    "bans backs opposes supports targets kills launches announces adopts passes signs joins resigns hires "
    "raises lowers keeps drops jumps climbs surges plunges doubles exceeds lacks costs totals employs "
    "operates owns produces "
    # English irregular pasts (regular ones end in -ed)
    "kept grew fell rose made took gave went came saw found won lost paid sold bought held led left met ran "
    "set put cut hit shot struck sought thought brought began became wrote spent sent built chose drew "
    "drove flew knew spoke stole threw broke fought caught taught felt meant dealt stood understood got "
    "let quit read spread cost hurt shut split fled fed hung lit sank swore swept tore withdrew overtook "
    "undertook overcame forbade forgave",
)
FR_VERBS = _wordset(
    # French auxiliaries, modals and frequent verbs ("a" is English's article: French only)
    "est sont était étaient a ont avait avaient aura auront aurait auraient sera seront serait seraient "
    "fut furent été être avoir eu peut peuvent pourra pourront pourrait pourraient doit doivent devrait "
    "devraient va vont fait font dit disent prévoit permet compte reste affirme estime indique précise "
    "souligne explique assure déclare annonce confirme dément nie juge concerne représente devient "
    "tient vient prend met voit sait veut semble dépasse atteint coûte touche vise",
)
# Endings that are verb forms often enough (errs towards "has a verb": a fragment must have none).
_VERB_ENDINGS = {
    "en": re.compile(r"(?:ed|ing)$"),
    "fr": re.compile(r"(?:ed|ing|ée?s?|er|ir|aient|ait|èrent|eront|erait|eraient|ront|rait|raient|ent)$"),
}
_WORDS = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_LEADING = " \t\n\"'«»“”„‘’([—–-…"


def _opens_with(opening: str, phrase: str) -> str | None:
    """The rest of the statement after `phrase`, when the statement opens on that whole phrase."""
    if not opening.startswith(phrase):
        return None
    rest = opening[len(phrase) :]
    if rest and (rest[0].isalnum() or rest[0] == "-"):
        return None  # "her" is not "here", "ce" is not "cela"
    return rest


def _has_verb(statement: str, language: str) -> bool:
    """English articles are read with English verbs; French ones with both (a statement may be translated)."""
    ending = _VERB_ENDINGS.get(language, _VERB_ENDINGS["fr"])
    verbs = EN_VERBS if language == "en" else EN_VERBS | FR_VERBS
    words = [word.lower() for word in _WORDS.findall(statement.replace("’", " ").replace("'", " "))]
    for position, word in enumerate(words):
        if word in verbs:
            return True
        if len(word) >= 4 and ending.search(word) and not word.endswith("ment"):
            return True
        if position and words[position - 1] == "to" and len(word) > 1:
            return True  # "to cut", "to return"
    return False


def standalone_problem(statement: str, language: str = "fr") -> str | None:
    """Why a statement does not stand alone, or None when it does (the bench's own rule list)."""
    text = statement.replace("’", "'").replace("\u00a0", " ").replace("\u202f", " ").lstrip(_LEADING)
    opening = text.lower()
    for phrase in PRONOUN_OPENERS:
        if _opens_with(opening, phrase) is not None:
            return f"opens on {phrase!r}"
    for phrase in NOUN_OPENERS:
        if _opens_with(opening, phrase) is None:
            continue
        following = _WORDS.match(text[len(phrase) :].lstrip(" ,"))
        word = following.group() if following else ""
        if word[:1].isupper() or word.lower() in _SPECIFIERS:
            continue  # "La loi Evin", "The report of the IMF": it says which
        return f"opens on {phrase!r}"
    if not _has_verb(statement, language):
        return "a fragment without a verb"
    return None


# --- nothing to check and unsupported numbers ---------------------------------------------------------


def unsupported_numbers(claim: Claim, text: str) -> list[str]:
    """The statement's numbers found nowhere in the text at the claim's verified evidence."""
    supported: set[str] = set()
    for start, end in verified_spans(claim):
        supported.update(numbers_in(text[start:end]))
    return [number for number in dict.fromkeys(numbers_in(claim.statement)) if number not in supported]


def _trimmed(text: str, span: Span) -> Span:
    """The span without the spaces and punctuation at its ends."""
    start, end = span
    while start < end and not text[start].isalnum():
        start += 1
    while end > start and not text[end - 1].isalnum():
        end -= 1
    return start, end


def is_junk(claim: Claim, text: str, junk: Sequence[Span]) -> bool:
    """A verified claim whose every evidence span lies inside some nothing-to-check passage."""
    spans = [_trimmed(text, span) for span in verified_spans(claim)]
    spans = [span for span in spans if span[0] < span[1]]
    if not claim.verified or not spans:
        return False
    return all(any(outer[0] <= start and end <= outer[1] for outer in junk) for start, end in spans)


# --- one article's score ---------------------------------------------------------------------------

TOP_N = 10
"""A desk reads the first claims: how many key facts are among the first ten, in the result's order."""


@dataclass
class ArticleScore:
    facts: int = 0
    covered: list[str] = field(default_factory=list)  # facts matched one to one
    covered_by: dict[str, list[int]] = field(default_factory=dict)  # every claim that covers each
    matched: dict[str, int] = field(default_factory=dict)  # fact → its claim
    speaker_right: list[str] = field(default_factory=list)
    hedging_right: list[str] = field(default_factory=list)
    top: list[str] = field(default_factory=list)  # facts matched among the first TOP_N claims
    verified: int = 0
    not_standalone: dict[int, str] = field(default_factory=dict)
    unsupported: dict[int, list[str]] = field(default_factory=dict)
    junk: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "recall": f"{len(self.covered)}/{self.facts}",
            "covered": self.covered,
            "matched": self.matched,
            "covered_by_claims": self.covered_by,
            "speaker_right": self.speaker_right,
            "hedging_right": self.hedging_right,
            f"top{TOP_N}": self.top,
            "verified": self.verified,
            "not_standalone": {str(number): why for number, why in self.not_standalone.items()},
            "unsupported": {str(number): missing for number, missing in self.unsupported.items()},
            "junk": self.junk,
        }


def score(article: Article, claims: Sequence[Claim]) -> ArticleScore:
    result = ArticleScore(facts=len(article.facts))
    spans = [
        passage_span(article.text, fact.passage, where=f"{article.name} {fact.id}") for fact in article.facts
    ]
    candidates = [
        [number for number, claim in enumerate(claims) if covers(claim, span, fact.figure)]
        for fact, span in zip(article.facts, spans, strict=True)
    ]
    good = [
        {number for number in found if speaker_right(claims[number], fact, article.text)}
        for fact, found in zip(article.facts, candidates, strict=True)
    ]
    matching = match_facts(candidates, good)
    for index, fact in enumerate(article.facts):
        result.covered_by[fact.id] = candidates[index]
        if index not in matching:
            continue
        claim = claims[matching[index]]
        result.covered.append(fact.id)
        result.matched[fact.id] = matching[index]
        if matching[index] in good[index]:
            result.speaker_right.append(fact.id)
        if fact.hedging is not None and str(getattr(claim, "hedging", "")) == fact.hedging:
            result.hedging_right.append(fact.id)
    top = match_facts([[n for n in found if n < TOP_N] for found in candidates])
    result.top = [article.facts[index].id for index in sorted(top)]
    junk_spans = [span for passage in article.nothing_to_check for span in all_spans(article.text, passage)]
    for number, claim in enumerate(claims):
        if not claim.verified:
            continue
        result.verified += 1
        problem = standalone_problem(claim.statement, article.language)
        if problem is not None:
            result.not_standalone[number] = problem
        missing = unsupported_numbers(claim, article.text)
        if missing:
            result.unsupported[number] = missing
        if is_junk(claim, article.text, junk_spans):
            result.junk.append(number)
    return result


# --- baselines: claims without a model ---------------------------------------------------------------

BASELINES = {"copy-sentence": None, "first-10": 10}
"""Every sentence claimex's selection keeps becomes a claim; first-10 keeps the first ten only."""


def baseline_claims(text: str, limit: int | None = None) -> list[Claim]:
    """The kept sentences as claims, checked by claimex's verifier like a model's ("the outlet" says them)."""
    checked = CheckedArticle.of(text)
    kept = [sentence for sentence in select_sentences(text) if sentence.skip is None]
    claims = []
    for sentence in kept[:limit]:
        quoted = sentence.text_of(text)
        evidence = checked.index.locate(quoted, prefer=(sentence.start, sentence.end))
        fields = {
            "statement": quoted.strip(),
            "type": ClaimType.event,
            "speaker": OUTLET,
            "hedging": Hedging.asserted,
            "entities": [],
            "quantities": [],
            "time": None,
        }
        claims.append(judged(fields, [evidence], checked.checker))
    return claims
