"""A figure's basis: a projection when its words speak of what is to come ("expected",
"will", "would", "plans", "target", "quota", "forecast", "projected", "set to"), official
when a public body gives it (a ministry, department, board, bureau, statistics authority,
central bank, or one of their officers), an estimate otherwise."""

import re

_FUTURE = re.compile(
    r"\b(?:expected|expects?|expecting|will|would|plans?|planned|planning|targets?|quotas?|"
    r"forecasts?|projected|projects|(?:is|are|all) set to|is to|are to|aims? to|intends? to)\b",
    re.IGNORECASE,
)
# "If ..., the board will provide": a standing rule, not a forecast.
_RULE = re.compile(r"^\s*(?:if|when|in case)\b|\bin case of\b", re.IGNORECASE)
_WILL_AS_NOUN = re.compile(r"\b(?:their|his|her|against|own|free|good)\s+will\b", re.IGNORECASE)
_BODY = re.compile(
    r"\b(?:Department|Ministry|Minister|Board|Bureau|Agency|Authority|Office|Commission|"
    r"Statistics|Statistical|Census|Central Bank|Bangko Sentral|Secretary|Director|Government|"
    r"Administration|Embassy|Council)\b|\b(?:BMET|POEA|DWMS|DoFE)\b"
)
_SUBJECT_BODY = re.compile(
    r"^(?:[A-Z]\w*,\s+)?the\s+(?:board|ministry|department|bureau|agency|government)\b",
    re.IGNORECASE,
)
_ESTIMATES = re.compile(r"\bestimates?\b", re.IGNORECASE)


def basis_of(sentence: str, attributed_to: str | None) -> tuple[str, str]:
    """The basis and the words that made it."""
    future = _FUTURE.search(sentence)
    if future and not _RULE.search(sentence) and not _WILL_AS_NOUN.search(sentence):
        return "projection", f"'{future.group()}': the figure is of what is to come"
    if attributed_to and _ESTIMATES.search(attributed_to):
        return "estimate", f"'{attributed_to}' gives estimates"
    if attributed_to and (body := _BODY.search(attributed_to)):
        return "official", f"given by a public body ('{body.group()}' in '{attributed_to}')"
    if body := _SUBJECT_BODY.search(sentence):
        return "official", f"'{body.group()}', a public body, gives it"
    return "estimate", "no public body or statistic named: an estimate"
