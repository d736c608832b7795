"""The rules that read a quote against the text it comes from (quote-not-in-text), and a
figure's attribution against its quote (attribution-beyond-quote; app/checks/service.py
states them)."""

import re
from collections.abc import Mapping

from app.sources.texts import HeldText

# A name's words: capitalised (a proper name, an outlet's initials), past the first word.
_NAME_WORD = re.compile(r"(?<=\s)[A-Z][\w\u2019'-]*")


def quote_not_in_text(quote: str, held: HeldText | None) -> list[str]:
    """A quote that is not an exact substring of the text it can be checked against, with
    where it stops matching; nothing when there is no text to check."""
    if held is None or quote in held.text:
        return []
    matched = _longest_prefix_in(quote, held.text)
    where = (
        f"the text has its first {matched} characters ('{_tail(quote[:matched])}') but not "
        f"what follows ('{quote[matched : matched + 30]}')"
        if matched
        else "the text has not even its first character"
    )
    return [
        f"the quote is not in the text of source {held.source_id}: {where}: copy it exactly "
        f"as GET /v1/sources/{held.source_id}/text has it"
    ]


def _longest_prefix_in(quote: str, text: str) -> int:
    """How many of the quote's first characters the text holds (a prefix found means every
    shorter one is: a binary search)."""
    low, high = 0, len(quote)
    while low < high:
        middle = (low + high + 1) // 2
        if quote[:middle] in text:
            low = middle
        else:
            high = middle - 1
    return low


def _tail(text: str, length: int = 30) -> str:
    return text if len(text) <= length else "..." + text[-length:]


def attribution_beyond_quote(
    quote: str, attributed_to: str, inferred: Mapping[str, str]
) -> list[str]:
    """Names in the attribution (past its first word: "the BBC", "South Korean") that the
    quote does not write, unless the attribution is marked inferred: who said it was read
    from elsewhere in the text."""
    if "attributed_to" in inferred:
        return []
    missing = [
        word for word in dict.fromkeys(_NAME_WORD.findall(attributed_to)) if word not in quote
    ]
    if not missing:
        return []
    return [
        f"attributed_to '{attributed_to}' names {', '.join(missing)}, which the quote does not "
        "write: mark attributed_to as inferred with its reason (where the text says it)"
    ]
