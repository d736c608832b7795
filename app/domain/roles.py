"""What a token may do: an editor writes figures, sources and events; an admin also
imports, reads the audit trail and manages tokens."""

from enum import StrEnum


class Role(StrEnum):
    editor = "editor"
    admin = "admin"
