"""The rule that reads a quote against the text it comes from (quote-not-in-text;
app/checks/service.py states it)."""

from app.sources.texts import HeldText


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
