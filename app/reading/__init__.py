"""Reading a news report's text into draft observations: pure functions of the text and its
publication date, knowing nothing of HTTP or the database. `propose` is the entry point."""

from app.reading.proposals import Proposal, propose

__all__ = ["Proposal", "propose"]
