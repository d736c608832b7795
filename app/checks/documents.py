"""Documents that describe the data (the README's account of the seed, the seed's README),
read by the prose rules against every source's text and table and every live figure:
`laborstats check --document FILE`."""

from sqlalchemy import select
from sqlmodel import Session

from app.checks import prose
from app.checks.cells import Tables
from app.checks.service import (
    DESCRIBED,
    METRIC_NOT_COUNTED,
    MISQUOTED,
    UNQUOTED_POSITION,
    Finding,
    metric_names,
)
from app.models import Observation, Source

# A Markdown document marks the parts that describe the data (the README's account of the
# seed, its screenshot's caption) between these; one with no marks is read whole.
DESCRIBES_THE_DATA = "<!-- describes the data -->"
END_OF_DESCRIPTION = "<!-- end -->"


def described_part(markdown: str) -> str:
    """The parts of a document that describe the data, one after another."""
    if DESCRIBES_THE_DATA not in markdown:
        return markdown
    parts = []
    for piece in markdown.split(DESCRIBES_THE_DATA)[1:]:
        parts.append(piece.split(END_OF_DESCRIPTION, 1)[0].strip())
    return "\n\n".join(parts)


def document_findings(session: Session, name: str, prose_text: str) -> list[Finding]:
    """The prose rules' findings on a document that describes the data (`name`: where it is
    read from), against every source's text and every live figure."""
    sources = session.scalars(select(Source)).all()
    texts = [source.text for source in sources if source.text is not None]
    tables = Tables(session)  # a document may quote a table's headings or cells
    texts += [t.table.text for s in sources if s.file_sha256 and (t := tables.of(s.id))]
    live = session.scalars(
        select(Observation).where(Observation.retracted_at.is_(None)).order_by(Observation.id)
    ).all()
    figures = [
        prose.Figure(o.id, o.quote or "", o.metric, o.period_label, tuple(o.inferred)) for o in live
    ]
    names = metric_names(session)
    found = {
        MISQUOTED: prose.misquoted(prose_text, texts),
        METRIC_NOT_COUNTED: prose.metrics_not_counted(
            prose_text, names, {figure.metric for figure in figures}
        ),
        UNQUOTED_POSITION: prose.unquoted_position(prose_text),
        DESCRIBED: prose.described_figures(prose_text, figures),
    }
    return [
        Finding(name, 0, rule, message)
        for rule, messages in sorted(found.items())
        for message in messages
    ]
