"""The rules that read what people wrote about the data (notes, the reasons of inferred
values and of corrections, and documents that describe the data) against the texts and
records they speak of (app/checks/service.py states them). Each is a pure function of plain
values."""

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from app.checks.dates import months_in, years_in
from app.domain.codes import countries_named_in
from app.domain.dates import MONTH_NAMES

# A quotation: opened by a quotation mark that no letter or digit comes right before (so
# that an apostrophe, "report's", opens none), closed by the same mark that none comes
# right after. Single, double and curly marks; what a quotation quotes inside it may hold
# another kind.
_QUOTATION = re.compile(
    r"(?<![\w])(?:'(?P<single>[^'\n]+?)'|\"(?P<double>[^\"\n]+?)\"|\u201c(?P<curly>[^\u201d\n]+?)"
    r"\u201d|\u2018(?P<curly_single>[^\u2019\n]+?)\u2019)(?![\w])"
)
_QUOTE_MARKS = re.compile("['\"\u201c\u201d\u2018]")
_SENTENCE = re.compile(r"[^.!?]+(?:[.!?]+|$)")
# Words that place a passage relative to another: "the sentence before", "follows".
_POSITION = re.compile(
    r"\b(?:follows?|following|followed|precedes?|preceding|sentences? (?:before|after)|"
    r"(?:right|just) (?:before|after)|paragraphs? (?:before|after)|the account (?:of|before))\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?<![\d,.])(?:19|20)\d{2}(?![\d,]\d)")
_MONTH = re.compile(rf"\b(?:{'|'.join(MONTH_NAMES)})\b")
# Calling figures competing says they are figures of one thing.
_COMPETING = re.compile(r"\bcompeting\b", re.IGNORECASE)


@dataclass(frozen=True)
class Quotation:
    text: str
    start: int
    end: int


_CODE = re.compile(r"`[^`\n]*`")


def _without_code(prose: str) -> str:
    """`prose` with its code (in backticks: a field, a metric's code) blanked: code is no
    one's words."""
    return _CODE.sub(lambda code: " " * len(code.group()), prose)


def quotations(prose: str) -> list[Quotation]:
    """Every phrase `prose` puts in quotation marks (outside code)."""
    found = []
    for match in _QUOTATION.finditer(_without_code(prose)):
        quoted = next(group for group in match.groups() if group is not None)
        found.append(Quotation(quoted, match.start(), match.end()))
    return found


def _sentences(prose: str) -> list[str]:
    """The sentences of `prose`, a full stop inside a quotation ending none."""
    blanked = _outside_quotations(prose)
    return [prose[m.start() : m.end()] for m in _SENTENCE.finditer(blanked) if m.group().strip()]


def _outside_quotations(prose: str) -> str:
    """`prose` with every quotation (and its code) blanked: what its writer says in their
    own words."""
    prose = _without_code(prose)
    for quotation in quotations(prose):
        width = quotation.end - quotation.start
        prose = prose[: quotation.start] + " " * width + prose[quotation.end :]
    return prose


def misquoted(prose: str, texts: Sequence[str], *, earlier: Sequence[str] = ()) -> list[str]:
    """Each quotation that is not, word for word, in one of `texts` (the source texts the
    prose speaks of), nor in one of `earlier` (what a corrected record said before, which a
    correction's reason may quote; quotation marks nested in those are not required)."""
    unmarked = [_QUOTE_MARKS.sub("", value) for value in earlier]
    findings = []
    for quotation in quotations(prose):
        phrase = quotation.text
        if any(_holds(text, phrase) for text in texts) or any(phrase in v for v in earlier):
            continue
        if any(_QUOTE_MARKS.sub("", phrase) in value for value in unmarked):
            continue
        near = _nearest_case(phrase, texts)
        hint = f": the text has '{near}'" if near else ": no text holds these words"
        findings.append(f"quotes '{phrase}', which is not in the text word for word{hint}")
    return findings


_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|\u2026)\s*")


def _holds(text: str, phrase: str) -> bool:
    """Whether `text` has the quoted words: each part of a quotation cut by an ellipsis
    ("Only a small number ... have fled") in the text, in that order."""
    at = 0
    for part in _ELLIPSIS.split(phrase):
        if not part:
            continue
        found = text.find(part, at)
        if found < 0:
            return False
        at = found + len(part)
    return True


def _nearest_case(phrase: str, texts: Sequence[str]) -> str | None:
    """The text's own words when a quotation differs from them only in case."""
    for text in texts:
        at = text.lower().find(phrase.lower())
        if at >= 0:
            return text[at : at + len(phrase)]
    return None


@dataclass(frozen=True)
class Stated:
    """What a record states of when and where: the years, months and countries of its quote
    and of its own fields."""

    years: frozenset[str] = frozenset()
    months: frozenset[str] = frozenset()
    countries: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        quote: str,
        *,
        dates: Iterable[str | None] = (),
        countries: Iterable[str | None] = (),
    ) -> "Stated":
        written = [value for value in dates if value]
        return cls(
            years=frozenset(years_in(quote)) | {year for d in written for year in years_in(d)},
            months=frozenset(MONTH_NAMES[number - 1] for number, _, _ in months_in(quote))
            | {MONTH_NAMES[int(d[5:7]) - 1] for d in written if re.match(r"\d{4}-\d{2}", d)}
            | {MONTH_NAMES[int(d[2:4]) - 1] for d in written if re.match(r"--\d{2}", d)},
            countries=frozenset(countries_named_in(quote).values())
            | {code for code in countries if code},
        )


def beyond_the_record(note: str, stated: Stated) -> list[str]:
    """A year, month or country the note states in its own words (outside its quotations)
    that neither the record's quote nor its fields state."""
    own = _outside_quotations(note)
    findings = []
    for year in dict.fromkeys(_YEAR.findall(own)):
        if year not in stated.years:
            findings.append(f"states the year {year}, which neither the quote nor the record gives")
    for month in dict.fromkeys(_MONTH.findall(own)):
        if month not in stated.months:
            findings.append(f"states {month}, which neither the quote nor the record gives")
    for name, code in countries_named_in(own).items():
        if code not in stated.countries:
            findings.append(
                f"names {name}, which neither the quote nor the record names (quote the text "
                "that does, if it is context)"
            )
    return findings


def unquoted_position(prose: str) -> list[str]:
    """A sentence that places a passage relative to another ('the sentence before') without
    quoting, after saying so, the passage it means: a reader cannot check where it is."""
    findings = []
    for words in _sentences(prose):
        claim = _POSITION.search(_outside_quotations(words))
        if claim and not any(q.start > claim.start() for q in quotations(words)):
            findings.append(
                f"says where a passage is ('{claim.group()}') without quoting it: quote the "
                "passage, so that its place can be checked"
            )
    return findings


def position_out_of_order(prose: str, quote: str, text: str) -> list[str]:
    """A note saying its record's sentence follows (or comes after) a quoted passage, where
    the text has that passage after the quote."""
    at = text.find(quote)
    if at < 0:
        return []
    findings = []
    for words in _sentences(prose):
        if not re.search(r"\b(?:follows?|after|before)\b", _outside_quotations(words), re.I):
            continue
        for quotation in quotations(words):
            where = text.find(quotation.text)
            if where > at and quotation.text not in quote:
                findings.append(
                    f"says the quote comes after '{quotation.text}', which the text has later"
                )
    return findings


@dataclass(frozen=True)
class Figure:
    """A figure as prose about the data refers to it: its quote, metric, pair and period,
    and which of its values are inferred."""

    id: int
    quote: str
    metric: str
    period_label: str
    inferred: Collection[str] = field(default_factory=tuple)


def metrics_not_counted(
    prose: str, names: Mapping[str, str], counted: Collection[str]
) -> list[str]:
    """A metric named in the prose's own words (by its name, "entries") that no figure
    counts: figures of another metric called by its name."""
    own = _outside_quotations(prose)
    findings = []
    for code, name in names.items():
        if code in counted:
            continue
        if re.search(rf"\b(?:{re.escape(name)}|{re.escape(code)})\b", own, re.IGNORECASE):
            findings.append(f"speaks of {name.lower()} ({code}), which no figure counts")
    return findings


def described_figures(prose: str, figures: Sequence[Figure]) -> list[str]:
    """What a document says of figures it quotes, sentence by sentence: a year it gives a
    figure whose quote does not give it (the figure's period read, not stated), and figures
    of different metrics called competing."""
    findings = []
    for words in _sentences(prose):
        quoted = [q.text for q in quotations(words)]
        own = _outside_quotations(words)
        years = list(dict.fromkeys(_YEAR.findall(own)))
        for figure in figures:
            phrase = next((q for q in quoted if q in figure.quote), None)
            if phrase is None:
                continue
            for year in years:
                if year not in years_in(figure.quote) and "inferred" not in own.lower():
                    findings.append(
                        f"gives {year} for observation {figure.id} ('{phrase}'), a year its "
                        "quote does not give: say it was read, not stated"
                    )
        if _COMPETING.search(own) and years:
            metrics = {f.metric for f in figures if any(y in f.period_label for y in years)}
            if len(metrics) > 1:
                findings.append(
                    f"calls the {', '.join(years)} figures competing, but they count different "
                    f"things ({', '.join(sorted(metrics))}): say what each counts"
                )
    return findings
