"""Select: which sentences of an article have something to check, decided without a model.

The sentence strategy asks the model about each selected sentence, so every sentence skipped
here saves a call. Skipped, with the reason kept for the result's readers: questions, headings
and other lines without a sentence's end, teasers cut off with "...", the author speaking in
the first person (bio, byline), calls to action, and fragments too short to claim anything.
Whatever is left goes to the model, which may still find nothing to check in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .sentences import PARAGRAPH_BREAK, sentences_in, split_at

MIN_WORDS = 5
"""Fewer words ("Ni confirmation, ni démenti." is four) are asked about only with a number in them."""

_WORD = re.compile(r"[^\W_]+")
_CLOSERS = "\"'»”’)] \u00a0\u202f"
_ENDS = (".", "!", "»", "\u201d", '"', ";", ":")
# The author's own voice, in the singular, outside quotation marks: a bio, a byline. The editorial
# "nous"/"we" often reports facts ("nous avons pu consulter le rapport"), so it is asked about.
_FIRST_PERSON = re.compile(
    r"(?<!\w)(?:(?i:je|moi|mon|ma|mes)(?!\w)|(?i:[jm])['’](?=\w)|(?:I['’]m|I['’]ve|[Mm]y)(?!\w)"
    # "I", but not the Roman numeral of "Type I diabetes", "World War I", "Phase I".
    r"|(?<![A-Z][a-z]\s)(?<![A-Z][a-z]{2}\s)(?<![A-Z][a-z]{3}\s)(?<![A-Z][a-z]{4}\s)(?<![A-Z][a-z]{5}\s)I(?![\w-]))"
)
_QUOTED = re.compile(r"[«“\"][^«»“”\"]*[»”\"]")
_CALL_TO_ACTION = re.compile(
    r"(?<!\w)(?:contactez|abonnez|inscrivez|cliquez|suivez|partagez|téléchargez|découvrez|rejoignez|"
    r"lire aussi|à lire|voir aussi|sign up|follow us|share this|read more|read also)(?!\w)",
    re.IGNORECASE,
)
# Words that news also uses ("Advertising revenue fell", "The bill, sponsored by Senator Ruiz,
# passed", "the ministry's newsletter"): a call to action only when the sentence opens with them
# as an order ("Click here", "Sponsored by Acme.") or speaks to the reader ("our newsletter").
_AD_WORDS = re.compile(
    r"(?<!\w)(?:newsletter|sponsoring|publicité|subscribe|click|download|advertis\w*|sponsored)(?!\w)",
    re.IGNORECASE,
)
_AD_ORDER = re.compile(r"^(?:please\s+)?(?:subscribe|click|download|sponsored)(?!\w)", re.IGNORECASE)
_TO_THE_READER = re.compile(r"(?<!\w)(?:you|your|our|us|vous|votre|vos|notre|nos)(?!\w)", re.IGNORECASE)


# A byline ("By Sam Reyes", "Par Claire Fabre") and the author's bio it usually opens ("Hannah
# Cole is our business correspondent."): the last paragraphs of a page, about its author.
# "By Tuesday, most schools had closed" is news: a day, a month or a feast is not an author.
_BYLINE = re.compile(
    r"^(?:By|Par|Written by|Texte de|Propos recueillis par)\s+"
    r"(?!(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|"
    r"June|July|August|September|October|November|December|Christmas|Easter)(?!\w))[A-ZÀ-Ý]"
)
_AUTHOR_ROLE = re.compile(
    r"(?<!\w)(?:journalist|journaliste|correspondent|correspondante?|reporter|staff writer|"
    r"rédacteur|rédactrice|chroniqueur|chroniqueuse|editor)(?!\w)",
    re.IGNORECASE,
)
BIO_PARAGRAPHS = 3
"""A byline or bio is looked for in the last paragraphs only: a reporter quoted mid-article is news."""


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    skip: str | None = None  # why it is not asked about, or None

    def text_of(self, text: str) -> str:
        return text[self.start : self.end]


def select_sentences(text: str, start: int = 0, end: int | None = None) -> list[Sentence]:
    """Every sentence of `text[start:end]`, each with the reason it is skipped, if it is."""
    end = len(text) if end is None else end
    paragraphs = [(a, b) for a, b in split_at(text, start, end, PARAGRAPH_BREAK) if text[a:b].strip()]
    selected: list[Sentence] = []
    for number, (paragraph_start, paragraph_end) in enumerate(paragraphs):
        spans = sentences_in(text, paragraph_start, paragraph_end)
        first = text[spans[0][0] : spans[0][1]]
        about_the_author = number >= len(paragraphs) - BIO_PARAGRAPHS and bool(
            _BYLINE.match(first) or _AUTHOR_ROLE.search(first)
        )
        for a, b in spans:
            reason = "the author's byline or bio" if about_the_author else _skip_reason(text[a:b])
            selected.append(Sentence(a, b, reason))
    return selected


def headline(text: str) -> tuple[int, int] | None:
    """Where the article's title is: its first line of at least four words that ends no sentence."""
    for paragraph_start, paragraph_end in split_at(text, 0, min(len(text), 2000), PARAGRAPH_BREAK):
        line = text[paragraph_start:paragraph_end].strip()
        if len(_WORD.findall(line)) >= 4:
            if line.endswith((".", "!", "?", "…")):
                return None
            start = paragraph_start + text[paragraph_start:paragraph_end].index(line[0])
            return start, start + len(line)
    return None


def _skip_reason(sentence: str) -> str | None:
    stripped = sentence.strip()
    bare = stripped.rstrip(_CLOSERS)
    words = _WORD.findall(stripped)
    if bare.endswith("?"):
        return "a question"
    if bare.endswith(("...", "…")):
        return "a teaser cut off with an ellipsis"
    if not bare.endswith(_ENDS) and not stripped.endswith(_ENDS):
        return "a heading (no sentence end)"
    if _BYLINE.match(stripped) and len(words) < 12:
        return "the author's byline or bio"
    # "Advertising revenue fell 12%", "The bill, sponsored by Senator Ruiz, passed 52–48": a
    # figure makes it news, whatever words of a call to action it holds.
    if not any(ch.isdigit() for ch in stripped) and _is_call_to_action(stripped):
        return "a call to action"
    if _FIRST_PERSON.search(_QUOTED.sub(" ", stripped)):
        return "the author speaking (first person)"
    if len(words) < MIN_WORDS and not any(ch.isdigit() for ch in stripped):
        return "too short to state a claim"
    return None


def _is_call_to_action(sentence: str) -> bool:
    if _CALL_TO_ACTION.search(sentence):
        return True
    if not _AD_WORDS.search(sentence):
        return False
    # Quoted words are someone else's voice: "our" inside a quotation is not the outlet's.
    return bool(_AD_ORDER.match(sentence) or _TO_THE_READER.search(_QUOTED.sub(" ", sentence)))
