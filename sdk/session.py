"""Who is acting: a logged-in user for one of the structures they are attached to."""

from __future__ import annotations

from dataclasses import dataclass

from .model import MemberRole, Structure, User

SYSTEM_LOGIN = "systeme"


@dataclass(frozen=True, slots=True)
class Session:
    user: User
    structure: Structure
    member_role: MemberRole

    @property
    def is_manager(self) -> bool:
        return self.member_role in (MemberRole.GP, MemberRole.GS)

    def describe(self) -> str:
        return f"{self.user.login} pour {self.structure.name} ({self.structure.identifier})"
