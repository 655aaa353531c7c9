"""Does a statement stand alone? It does not when it opens on a word that points back, or is a fragment.

A desk reads each claim without its article: "Selon eux, au moins 30 soldats…" (who?), "Un
pacte qui prévoit…" (which pact?), "Du carburant, des missiles…" (what about them?), "He said
the state was succeeding…" (who?). Read without a model, French and English:

* an opening pronoun ("Il", "They", "Ce dernier", "Selon eux");
* an opening demonstrative with its noun ("Cette mesure", "These figures"), or a definite
  article with a noun that names something said before ("Le pacte", "The measure");
* a noun phrase followed by a relative pronoun and nothing else ("Un pacte qui prévoit…");
* a list opening on a partitive article with no verb before its first comma ("Du carburant,
  des missiles…").

Impersonal openings ("Il y a", "Il faut", "It is expected") and times ("Ce week-end", "This
year") refer to nothing said before.
"""

from __future__ import annotations

import functools
import re

from . import lexicon

_WORDS = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*'?|\d+")


def _opening(text: str, count: int) -> str:
    """The first `count` words of `text` as it writes them."""
    matches = list(_WORDS.finditer(text[:120]))[:count]
    return text[: matches[-1].end()] if matches else ""


_IMPERSONAL = re.compile(
    r"^(?:il y a|il y avait|il n'y a|il n'y avait|il faut|il faudra|il s'agit|ce n'est|ce qui|ce que|"
    r"il est (?:possible|probable|prévu|question)|"
    r"it(?: is|'s) (?:likely|unlikely|expected|possible|estimated|thought|not|unclear|time|hard|"
    r"difficult|clear|worth|important)|it was (?:not|unclear)|"
    r"there (?:is|are|was|were|will))(?!\w)",
    re.IGNORECASE,
)
_IMPERSONAL_ADJECTIVES = frozenset(
    "possible impossible probable improbable difficile facile important nécessaire essentiel vrai "
    "faux clair évident rare normal urgent inutile utile temps".split()
)
_TIME_NOUNS = frozenset(
    (
        "week-end weekend semaine mois année an jour matin soir nuit week month year day morning evening "
        "night time période saison trimestre quarter"
    ).split()
)
_OPENING_QUOTES = " \t\n«»\"“”„‘'(["
# French words that are finite verbs often enough to say a clause has one.
_FRENCH_VERB = re.compile(
    r"(?<!\w)(?:est|sont|était|étaient|sera|seront|serait|seraient|a|ont|avait|avaient|aura|auront|"
    r"aurait|auraient|fait|font|va|vont|peut|peuvent|doit|doivent|reste|restent|\w+(?:ait|aient)|\w+(?<![mdi])ent)(?!\w)"
)

_PARTITIVE = re.compile(r"(?i)(?:du|de la|de l'|des)\s")


def opening_reference(statement: str) -> str | None:
    """The opening words of `statement` that point back to an earlier sentence, or None."""
    text = lexicon.straight_apostrophes(statement).lstrip(_OPENING_QUOTES)
    if _IMPERSONAL.match(text):
        return None
    lowered = text.lower()
    if lowered.startswith(lexicon.OPENING_PHRASES):  # one test in C before the phrases one by one
        for phrase in lexicon.OPENING_PHRASES:
            if lowered.startswith(phrase) and not lowered[len(phrase) : len(phrase) + 1].isalnum():
                return text[: len(phrase)]
    words = _WORDS.findall(text[:80])
    if not words:
        return None
    first = words[0].lower()
    if first == "c'" and len(words) > 1 and words[1].lower() == "est":
        # "C'est la base de…", "C'est pourquoi…" point back; "C'est difficile de…" does not.
        following = words[2].lower() if len(words) > 2 else ""
        return None if following in _IMPERSONAL_ADJECTIVES else text[:5]
    if first == "it'" and len(words) > 1 and words[1].lower() == "s":
        return text[:4]  # "It's built on new underpinnings…": what is "it"?
    if first in {"this", "these", "those"} and len(words) >= 2 and words[1].lower() in _TIME_NOUNS:
        return None  # "This year…" refers to a time, not to what was said before
    if first in lexicon.OPENING_PRONOUNS:
        return words[0]
    if len(words) >= 2:
        noun = words[1].lower()
        if first in lexicon.DEMONSTRATIVES | {"this", "that", "these", "those"} and noun not in _TIME_NOUNS:
            return _opening(text, 2)
        if first in lexicon.DEFINITE_ARTICLES and noun in lexicon.BACK_REFERRING_NOUNS:
            # "Le pacte prévoit…" points back; "Le pacte de défense mutuelle…" says which.
            following = words[2].lower() if len(words) > 2 else ""
            if following not in lexicon.QUALIFIERS:
                return _opening(text, 2)
    return None


def fragment(statement: str) -> str | None:
    """The opening of `statement` when it is no sentence but a piece of the one before, or None."""
    text = lexicon.straight_apostrophes(statement).lstrip(_OPENING_QUOTES)
    words = _WORDS.findall(text[:120])
    lowered = [word.lower() for word in words]
    if len(lowered) >= 3 and lowered[0] in lexicon.INDEFINITE_ARTICLES:
        for position in (2, 3, 4):
            if position < len(lowered) and lowered[position] in lexicon.RELATIVE_PRONOUNS:
                if lowered[1] in lexicon.RELATIVE_PRONOUNS:
                    break
                return _opening(text, position + 1)
    partitive = _PARTITIVE.match(text)
    if partitive and "," in text and not _FRENCH_VERB.search(text.lower()):
        # "Du carburant, des missiles…": a list with no verb at all continues the sentence before.
        return _opening(text, 2)
    return None


def opens_mid_sentence(sentence: str) -> str | None:
    """The opening of an article's sentence that begins in lower case ("to grow from 16…", what
    is left of a sentence cut after "U.S."), or None. Only for the article's own sentences: a
    statement a user declares ("au moins 30 soldats") may well be written so."""
    text = lexicon.straight_apostrophes(sentence).lstrip(_OPENING_QUOTES)
    words = _WORDS.findall(text[:120])
    if words and text[:1].islower() and not any(ch.isupper() for ch in words[0]):
        return _opening(text, 3)  # "eBay", "iPhone" keep a capital
    return None


@functools.lru_cache(maxsize=8192)
def not_standalone(statement: str) -> str | None:
    """Why `statement` does not stand alone (the words concerned), or None when it does.

    Read once a statement: a claims file states the same thing in many claims (the bench's 2,000
    claims have 1,018 statements)."""
    return opening_reference(statement) or fragment(statement)
