"""Who writes: a token's name, recorded with every write, and its role: an editor writes
figures, sources and events; an admin also imports, reads the audit trail and manages
tokens."""

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    editor = "editor"
    admin = "admin"


@dataclass(frozen=True)
class Actor:
    """Who is writing: the token's name (recorded with every write) and its role."""

    name: str
    role: Role

    def may(self, role: Role) -> bool:
        return self.role == Role.admin or self.role == role
