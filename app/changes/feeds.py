"""The change feed as feeds a reader follows: Atom (RFC 4287) and JSON Feed 1.1. Each change
is an entry naming the record, what happened to it, who did it and why, with a link to the
record; `next` links the following page, as the JSON list's cursor does."""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree

ATOM = "http://www.w3.org/2005/Atom"
ATOM_MEDIA_TYPE = "application/atom+xml; charset=utf-8"
JSON_FEED_MEDIA_TYPE = "application/feed+json; charset=utf-8"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
TITLE = "laborstats: changes"
# The epoch a feed without entries says it was updated at.
NEVER = datetime(1970, 1, 1, tzinfo=UTC)


def _moment(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def entry_id(change: dict[str, Any]) -> str:
    """Stable for good: the record, its revision, and the version that wrote it."""
    return (
        f"urn:laborstats:change:{change['data_version']}:{change['kind']}:{change['id']}:"
        f"{change['revision']}"
    )


def entry_title(change: dict[str, Any]) -> str:
    record = f"{change['kind'].capitalize()} {change['id']}"
    return f"{record} {change['action']} (revision {change['revision']})"


def atom(
    changes: Sequence[dict[str, Any]], *, base: str, self_url: str, next_url: str | None
) -> str:
    """An Atom feed of `changes` (absolute links: `base` is the server's URL)."""
    ElementTree.register_namespace("", ATOM)

    def add(
        parent: ElementTree.Element, name: str, text: str | None = None, **attributes: str
    ) -> ElementTree.Element:
        made = ElementTree.SubElement(parent, f"{{{ATOM}}}{name}", attributes)
        if text is not None:
            made.text = text
        return made

    feed = ElementTree.Element(f"{{{ATOM}}}feed")
    add(feed, "id", f"{base}/v1/changes")
    add(feed, "title", TITLE)
    updated = max((change["recorded_at"] for change in changes), default=NEVER)
    add(feed, "updated", _moment(updated))
    add(feed, "link", rel="self", href=self_url)
    if next_url is not None:
        add(feed, "link", rel="next", href=next_url)
    author = add(feed, "author")
    add(author, "name", "laborstats")
    for change in changes:
        entry = add(feed, "entry")
        add(entry, "id", entry_id(change))
        add(entry, "title", entry_title(change))
        add(entry, "updated", _moment(change["recorded_at"]))
        add(entry, "link", rel="alternate", href=base + change["href"])
        if change["history"] is not None:
            add(entry, "link", rel="related", href=base + change["history"])
        by = add(entry, "author")
        add(by, "name", change["recorded_by"])
        add(entry, "summary", change["reason"] or entry_title(change))
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ElementTree.tostring(
        feed, encoding="unicode"
    )


def json_feed(
    changes: Sequence[dict[str, Any]], *, base: str, self_url: str, next_url: str | None
) -> str:
    """A JSON Feed 1.1 of `changes`; each item keeps the change's own fields under
    `_laborstats` (the extension prefix the specification reserves for publishers)."""
    feed: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": TITLE,
        "home_page_url": f"{base}/",
        "feed_url": self_url,
        "authors": [{"name": "laborstats"}],
        "items": [
            {
                "id": entry_id(change),
                "url": base + change["href"],
                "title": entry_title(change),
                "content_text": change["reason"] or entry_title(change),
                "date_published": _moment(change["recorded_at"]),
                "authors": [{"name": change["recorded_by"]}],
                "_laborstats": {
                    **{name: change[name] for name in ("kind", "id", "revision", "action")},
                    "data_version": change["data_version"],
                },
            }
            for change in changes
        ],
    }
    if next_url is not None:
        feed["next_url"] = next_url
    return json.dumps(feed, ensure_ascii=False)
