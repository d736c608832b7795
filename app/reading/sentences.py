"""A text cut into sentences, each with its offsets, so that a draft's quote is always an exact
substring of the stored text.

A regular expression over sentence ends, with a list of abbreviations, is enough for news
prose: a trained splitter (spaCy, NLTK's Punkt) would add a model download for no gain on
"Mr.", "U.S." and "No. 12", which the list below covers."""

import re
from dataclasses import dataclass

from app.reading.vocabulary import words_of

# Words that end in a full stop without ending a sentence (case-insensitive, without the stop).
_ABBREVIATIONS = frozenset(
    words_of(
        "mr mrs ms dr prof st gen sen rep gov lt col capt sgt jr sr inc ltd co corp bros no nos "
        "vs etc e.g i.e u.s u.k u.n u.a.e a.m p.m jan feb mar apr jun jul aug sep sept oct nov "
        "dec approx est fig dept univ ave mt ft rs tk"
    )
)
# A sentence ends at . ! or ? (closing quotes and brackets may follow), before the next
# sentence's first letter, digit or opening quote; a line break always ends one.
_END = re.compile(r"[.!?]+[\"'\u201d\u2019)\]]*(?=\s+[\"'\u201c\u2018(\[]?[A-Z0-9$\u20ac\u00a3])")
_LINE = re.compile(r"\n+")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    paragraph: int  # sentences of one paragraph share it


def _abbreviated(text: str, stop: int) -> bool:
    """Whether the full stop at `stop` closes an abbreviation or an initial ("J. Smith")."""
    word = re.search(r"[\w.]+$", text[:stop])
    if word is None:
        return False
    token = word.group().lower().rstrip(".")
    return token in _ABBREVIATIONS or bool(re.fullmatch(r"[a-z]", token))


def split(text: str) -> list[Sentence]:
    """The sentences of `text`, stripped of surrounding white space, in order."""
    sentences: list[Sentence] = []
    paragraph_start = 0
    for paragraph, line in enumerate([*_LINE.finditer(text), None]):
        paragraph_end = line.start() if line else len(text)
        start = paragraph_start
        for end in _END.finditer(text, paragraph_start, paragraph_end):
            if text[end.start()] == "." and _abbreviated(text, end.start()):
                continue
            _add(sentences, text, start, end.end(), paragraph)
            start = end.end()
        _add(sentences, text, start, paragraph_end, paragraph)
        paragraph_start = line.end() if line else len(text)
    return sentences


def _add(sentences: list[Sentence], text: str, start: int, end: int, paragraph: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        sentences.append(Sentence(start, end, text[start:end], paragraph))
