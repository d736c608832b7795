"""Who gave a figure (attributed_to) and through which outlet it reached the text
(relayed_through): "X said", "said X", "according to X", "X told the BBC", "data from X
show", "X estimates suggest". A pronoun ("he said") or a definite description ("the same
official", "the board") is read as the earlier source it refers to.

Named-entity models (spaCy) find names but not who said what; the speech patterns of news
prose are few and regular, and a rule says which words made the attribution."""

import re
from dataclasses import dataclass

_VERBS = (
    r"said|says|say|told|tells|tell|reported|reports|estimated|estimates|admitted|announced|"
    r"noted|stated|added|claimed|explained|suggested|confirmed|revealed|warned|wrote"
)
_DETERMINER = re.compile(r"^(?:the|a|an|as|however|but|and|also|meanwhile)\s+", re.IGNORECASE)
_ACCORDING = re.compile(
    r"\baccording to\s+(?P<who>[^,.;:\u201c\"]+?)(?=\s*(?:[,.;:]|\bthat\b|$))", re.IGNORECASE
)
_INVERTED = re.compile(
    rf"(?:^|[,\u201d\"]\s*)(?P<verb>{_VERBS})\s+(?P<who>(?:[A-Z]|he\b|she\b|they\b)[^;\u201c\"]*?)"
    r"\s*(?=[.;]?$|[.;]\s|,\s+(?:adding|who|which|as)\b|,?\s+(?:of|on)\s+the\b)"
)
_SUBJECT = re.compile(
    rf"(?P<who>[^,:;\u201c\u201d\"]+?(?:,[^,:;\u201c\u201d\"]+,)?)\s+(?:has\s+|have\s+|had\s+)?"
    rf"(?P<verb>{_VERBS})\b"
)
_DATA = re.compile(
    r"(?P<who>(?:[A-Z][\w\u2019'-]*\s+)*?(?:[\w\u2019'-]+\s+){0,3}?(?:estimates|data|figures|"
    r"statistics|survey|study|records)(?:\s+from\s+[^,.;]+?)?)\s+(?:suggest|suggests|show|shows|"
    r"showed|indicate|indicates|reveal|reveals|found)\b",
    re.IGNORECASE,
)
_RELAY = re.compile(
    r"\b(?:told|telling|speaking to|in an interview with)\s+(?:the\s+)?(?P<outlet>[A-Z][\w.&-]*"
    r"(?:\s+[A-Z][\w.&-]*)*)"
)
_PRONOUNS = frozenset({"he", "she", "they", "it"})
# What _clean leaves of "the board", "the same official": one common noun.
_DEFINITE = re.compile(r"^(?:(?:the|this|that)\s+)?(?:same\s+)?(?P<head>[a-z]+)$")


@dataclass(frozen=True)
class Attribution:
    who: str
    relay: str | None
    words: str  # the words that made it, for the explanation
    stated: bool = True  # False when read from another sentence
    reason: str | None = None  # why, when read from another sentence


def _clean(who: str) -> str:
    who = who.strip().strip(",").strip()
    who = re.sub(r"\s+(?:cited|quoted)\s+(?:in|by)\s+.*$", "", who)
    who = re.sub(r"\s+(?:this|last)\s+(?:week|month|year)$", "", who)
    who = re.sub(r"\s+(?:also|recently|further|later|again)$", "", who)
    while _DETERMINER.match(who):
        who = _DETERMINER.sub("", who, count=1)
    data = re.match(r"(?:data|figures|statistics)\s+from\s+(?:the\s+)?(.+)$", who, re.IGNORECASE)
    return data.group(1) if data else who


def stated_in(sentence: str) -> Attribution | None:
    """The source a sentence names for what it says, if it names one."""
    relay = _RELAY.search(sentence)
    outlet = relay["outlet"] if relay else None
    if match := _ACCORDING.search(sentence):
        return Attribution(_clean(match["who"]), outlet, f"'according to {match['who']}'")
    if match := _DATA.search(sentence):
        return Attribution(_clean(match["who"]), outlet, f"'{match.group().strip()}'")
    if match := _INVERTED.search(sentence):
        who = _clean(match["who"])
        if len(who.split()) <= 20:
            return Attribution(who, outlet, f"'{match['verb']} {match['who'].strip()}'")
    for match in _SUBJECT.finditer(sentence):
        written = re.split(r"\bthat\s+|\u2014|\s[-\u2013]\s", match["who"])[-1].strip()
        who = _clean(written)
        if re.search(r"\b(?:is|are|was|were|been)$", who):
            continue  # "is reported to be": no one named
        named = who[:1].isupper() or written[:1].isupper() or re.match(r"(?:the|a|an)\s", written)
        if who and len(who.split()) <= 14 and (named or who.lower() in _PRONOUNS):
            if who.lower().startswith(("there ", "it ")):
                continue
            return Attribution(who, outlet, f"'{match['who'].strip()} {match['verb']}'")
    return None


def head_noun(who: str) -> str:
    """The noun a source is named by: 'South Korean intelligence official' -> 'official',
    'ex-laborers' -> 'laborers'."""
    first = re.split(r",|\s\(|\s+(?:of|for|at|from)\s+", who.strip())[0]
    words = re.findall(r"[\w\u2019'-]+", first.lower())
    head = words[-1] if words else ""
    head = re.sub(r"^(?:ex|former)-", "", head)
    return head[:-1] if head.endswith("s") and len(head) > 3 else head


def resolved(
    found: Attribution, earlier: list[Attribution], text_before: str
) -> Attribution | None:
    """A pronoun or a definite description read as the earlier source it stands for; None when
    nothing earlier fits."""
    who = found.who.strip()
    if who.lower() in _PRONOUNS:
        named = [a for a in earlier if a.who.lower() not in _PRONOUNS and _names_someone(a.who)]
        if not named:
            return None
        target = named[-1]
        reason = f"'{who}' read as {target.who}, the source named before"
        return Attribution(target.who, found.relay or target.relay, found.words, False, reason)
    definite = _DEFINITE.match(who)
    if definite:
        head = definite["head"].lower()
        for target in reversed(earlier):
            if head_noun(target.who) == head.rstrip("s") and not _DEFINITE.match(target.who):
                reason = f"'{who}' read as {target.who}, named before with the same noun"
                relay = found.relay or target.relay
                return Attribution(target.who, relay, found.words, False, reason)
        names = re.findall(
            rf"((?:[A-Z][\w\u2019'-]*\s+)+{re.escape(head.capitalize())})\b", text_before
        )
        if names:
            name = _clean(names[-1])
            reason = f"'{who}' read as the {name}, named before in the text"
            return Attribution(name, found.relay, found.words, False, reason)
    return found


def _names_someone(who: str) -> bool:
    return len(re.findall(r"\b[A-Z][a-z]+", who)) >= 2


def relays_by_source(sentences: list[str]) -> dict[str, str]:
    """Who told which outlet: 'Researchers, South Korean officials and former laborers told
    the BBC' -> {'researcher': 'BBC', 'official': 'BBC', 'laborer': 'BBC'}."""
    relays: dict[str, str] = {}
    for sentence in sentences:
        found = stated_in(sentence)
        if found is None or found.relay is None:
            continue
        for part in re.split(r",\s*|\s+and\s+", found.who):
            if part.strip():
                relays.setdefault(head_noun(part), found.relay)
    return relays
