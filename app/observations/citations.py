"""An observation's citation in the formats reference managers read: the text served as
`citation` (with a retraction said), CSL-JSON, BibTeX and RIS, all made from one `Claim`.

The cited work is the claim's source, with the claimant as its author (a literal name, never
split into given and family names): the source gives the type, title, publisher, date and
URL; what a reference has no field for (the period, when the claim was made, the sources it
was relayed through, a retraction) is one note, the same in every format. Every format ends
by crediting the compilation the figure came through, as its licence asks (CC BY 4.0), in
the note and, where the format has one, in its database field. Nothing is
guessed: a missing date, publisher or URL is left out, and a partial date keeps only the
parts it has.

Written here rather than by rispy or bibtexparser: rispy heads each record with a numbered
line that is not RIS, and bibtexparser's writer leaves LaTeX's special characters as they
are. The tests parse what this writes with both."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import SimpleNamespace
from typing import Any

from sqlmodel import Session

from app.dataset.catalog import Catalog
from app.dataset.license import COMPILATION, CREDIT
from app.domain.dates import (
    NO_PERIOD_LABEL,
    PARTIAL_DATE_PATTERN,
    AsOf,
    date_in_prose,
    yearless_parts,
    yearless_words,
)
from app.domain.observation import OBSERVATION_EXAMPLE
from app.domain.source import SOURCE_EXAMPLE
from app.domain.tables import cell_words
from app.observations import service
from app.observations.documents import document_marks
from app.observations.filters import ObservationFilter
from app.sources import service as sources_service
from app.sources.service import SourceRow, describe_source, title_of


class CitationFormat(StrEnum):
    json = "json"  # every format below, in one document
    text = "text"
    csl = "csl"
    bibtex = "bibtex"
    ris = "ris"


@dataclass(frozen=True)
class Claim:
    """What every format of an observation's citation is made from: the observation as
    served (its claimant, period, report date, retraction and `citation` text), and its
    source's relay chain: the source, then those it was relayed through, outward."""

    observation: dict[str, Any]
    chain: Sequence[SourceRow]

    @property
    def source(self) -> SourceRow | None:
        return self.chain[0] if self.chain else None

    @property
    def key(self) -> str:
        """The reference's id in CSL-JSON, its BibTeX key and its RIS ID."""
        return f"laborstats-observation-{self.observation['id']}"


def read_claim(
    session: Session, observation_id: int, *, catalog: Catalog, as_of: AsOf | None = None
) -> Claim:
    """The observation now, or as it stood at the end of `as_of`, with its sources as they
    stood then; retracted ones included. NotFound if there is none."""
    row = service.read_observation(session, observation_id, as_of=as_of)
    query = ObservationFilter(as_of=as_of)
    (document,) = service.documents(session, [row], catalog=catalog, query=query)
    source_id = document["source_id"]
    if as_of is None:
        chain = sources_service.chain_of(catalog.sources, source_id)
    else:
        chain = sources_service.relay_chains(session, [source_id], as_of=as_of)[source_id]
    return Claim(document, chain)


# Each source type as a CSL type, a BibTeX entry type and a RIS type (TY).
TYPES: dict[str, tuple[str, str, str]] = {
    "news_report": ("article-newspaper", "misc", "NEWS"),
    "government_statistics": ("report", "techreport", "RPRT"),
    "international_statistics": ("dataset", "misc", "DATA"),
    "government_estimate": ("report", "techreport", "RPRT"),
    "intelligence_estimate": ("report", "techreport", "RPRT"),
    "official_statement": ("speech", "misc", "GEN"),
    "testimony": ("interview", "misc", "GEN"),
}
UNKNOWN_TYPE = ("document", "misc", "GEN")


def _types(claim: Claim) -> tuple[str, str, str]:
    return TYPES.get(str(claim.source.type), UNKNOWN_TYPE) if claim.source else UNKNOWN_TYPE


def date_parts(text: str | None) -> list[int] | None:
    """'2025-06' -> [2025, 6]: only the parts the date has. None for no date, or for one
    in any other form (which the note then gives as written)."""
    match = PARTIAL_DATE_PATTERN.fullmatch(text or "")
    return [int(part) for part in match.groups() if part] if match else None


def dated_sentence(what: str, text: str) -> str:
    """'Claim made 2025-06.'; for a date without a year, 'Claim made in June; the year is
    not given.': no reference field holds a month without a year, so none is given one."""
    parts = yearless_parts(text)
    if parts is None:
        return f"{what} {text}."
    when = f"{'in' if parts[1] is None else 'on'} {yearless_words(text)}"
    return f"{what} {when}; the year is not given."


def _retraction(claim: Claim) -> str | None:
    if claim.observation["retracted_at"] is None:
        return None
    said = f"Retracted on {claim.observation['retracted_at'][:10]}"
    if claim.observation["retraction_reason"]:
        said += f": {claim.observation['retraction_reason'].strip()}"
    return said if said.endswith((".", "!", "?")) else said + "."


def note(claim: Claim) -> str:
    """Everything a reference has no field of its own for, in sentences."""
    sentences = []
    if claim.observation["period_label"] and claim.observation["period_label"] != NO_PERIOD_LABEL:
        sentences.append(f"Period: {claim.observation['period_label']}.")
    if claim.observation["reported_on"]:
        sentences.append(dated_sentence("Claim made", claim.observation["reported_on"]))
    if claim.observation["cell"] is not None:
        file_name = getattr(claim.source, "file_name", None) if claim.source else None
        sentences.append(cell_words(claim.observation["cell"], file_name))
    published = claim.source.published_on if claim.source else None
    if published and date_parts(published) is None:  # no reference date field can hold it
        sentences.append(dated_sentence("Published", published))
    for relay in claim.chain[1:]:
        where = f" {relay.url}" if relay.url else ""
        sentences.append(f"As relayed by {describe_source(relay)}{where}.")
    if claim.observation["inferred"]:
        sentences.append(document_marks(claim.observation))
    retraction = _retraction(claim)
    if retraction:
        sentences.append(retraction)
    sentences.append(CREDIT)
    return " ".join(sentences)


def as_text(claim: Claim) -> str:
    """The served `citation`, the retraction of a retracted observation, and the credit to
    the compilation it came through."""
    retraction = _retraction(claim)
    return " ".join(part for part in (claim.observation["citation"], retraction, CREDIT) if part)


def as_csl(claim: Claim) -> list[dict[str, Any]]:
    """CSL-JSON (the citation-style-language schema's csl-data.json): a list of one item."""
    item: dict[str, Any] = {"id": claim.key, "type": _types(claim)[0]}
    source = claim.source
    if source is not None:
        item["title"] = title_of(source)
    item["author"] = [{"literal": claim.observation["attributed_to"]}]
    if source is not None:
        parts = date_parts(source.published_on)
        if parts:
            item["issued"] = {"date-parts": [parts]}
        elif yearless_parts(source.published_on):  # a CSL literal date: printed, never parsed
            item["issued"] = {"literal": date_in_prose(source.published_on)}
        if source.publisher:
            item["publisher"] = source.publisher
        if source.url:
            item["URL"] = source.url
    item["source"] = COMPILATION  # CSL: the database the item was retrieved from
    item["note"] = note(claim)
    return [item]


# LaTeX's special characters, as BibTeX field text writes them.
_LATEX = str.maketrans(
    {
        "\\": r"\textbackslash{}",
        "{": r"\{",
        "}": r"\}",
        "$": r"\$",
        "&": r"\&",
        "%": r"\%",
        "#": r"\#",
        "_": r"\_",
        "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}",
    }
)
# Every character Python reads as a line break: a RIS line, or a BibTeX paragraph, ends there.
_LINE_BREAKS = re.compile(r"[\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]+")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def one_line(text: str) -> str:
    return _LINE_BREAKS.sub(" ", text)


def bibtex_text(text: str) -> str:
    return one_line(text).translate(_LATEX)


def bibtex_url(url: str) -> str:
    """URLs are read verbatim (biblatex, the url package): no TeX escapes, so the braces
    and backslashes that would unbalance or escape are percent-encoded (which names the same
    address; a % already there is left as it is)."""
    return url.replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C")


def as_bibtex(claim: Claim) -> str:
    """One BibTeX entry. The author is braced whole (a name BibTeX must not split), and so
    is the title (its capitals kept); the month is BibTeX's macro; a full date is also
    given as biblatex's `date`."""
    entry_type = _types(claim)[1]
    fields: list[tuple[str, str]] = [
        ("author", f"{{{{{bibtex_text(claim.observation['attributed_to'])}}}}}")
    ]
    source = claim.source
    if source is not None:
        fields.append(("title", f"{{{{{bibtex_text(title_of(source))}}}}}"))
        if source.publisher:
            field = "institution" if entry_type == "techreport" else "publisher"
            fields.append((field, f"{{{bibtex_text(source.publisher)}}}"))
        parts = date_parts(source.published_on)
        if parts:
            fields.append(("year", f"{{{parts[0]}}}"))
        if parts and len(parts) > 1:
            fields.append(("month", MONTHS[parts[1] - 1]))
        if parts and len(parts) > 2:
            fields.append(("date", f"{{{source.published_on}}}"))
        if source.url:
            fields.append(("url", f"{{{bibtex_url(source.url)}}}"))
    fields.append(("note", f"{{{bibtex_text(note(claim))}}}"))
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@{entry_type}{{{claim.key},\n{body}\n}}\n"


def as_ris(claim: Claim) -> str:
    """One RIS record: `TY  - ` first, `ER  - ` last, every line ended by CRLF. PY holds the
    year, DA the date as YYYY/MM/DD/ with the parts it lacks left empty."""
    lines = [
        ("TY", _types(claim)[2]),
        ("ID", claim.key),
        ("AU", claim.observation["attributed_to"]),
    ]
    source = claim.source
    if source is not None:
        lines.append(("TI", title_of(source)))
        parts = date_parts(source.published_on)
        if parts:
            lines.append(("PY", str(parts[0])))
        if parts and len(parts) > 1:
            month, day = parts[1], parts[2] if len(parts) > 2 else None
            lines.append(("DA", f"{parts[0]}/{month:02d}/{'' if day is None else f'{day:02d}'}/"))
        if source.publisher:
            lines.append(("PB", source.publisher))
        if source.url:
            lines.append(("UR", source.url))
    lines.append(("DP", COMPILATION))  # RIS: the database provider
    lines.append(("N1", note(claim)))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {one_line(value)}\r\n" for tag, value in lines)


def formatted(claim: Claim, citation_format: CitationFormat) -> Any:
    """The claim's citation in one format (every format, for json)."""
    match citation_format:
        case CitationFormat.text:
            return as_text(claim)
        case CitationFormat.csl:
            return as_csl(claim)
        case CitationFormat.bibtex:
            return as_bibtex(claim)
        case CitationFormat.ris:
            return as_ris(claim)
    return {
        "observation_id": claim.observation["id"],
        "text": as_text(claim),
        "csl": as_csl(claim),
        "bibtex": as_bibtex(claim),
        "ris": as_ris(claim),
    }


# The seed's observation 1, from the examples of app.domain (which tests keep true), relayed
# through the seed's source 1: what the OpenAPI document shows for each format.
EXAMPLE = Claim(
    OBSERVATION_EXAMPLE,
    [
        SimpleNamespace(**SOURCE_EXAMPLE),
        SimpleNamespace(
            id=1,
            title="News report: North Korean laborers sent to work in Russia",
            publisher=None,
            url=None,
            published_on=None,
            type="news_report",
            relayed_through=None,
            inferred={"title": "A description: the report's headline is not in the text."},
        ),
    ],
)
