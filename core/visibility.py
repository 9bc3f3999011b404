"""Who may see which content item — the one place that decides it (DESIGN §1, §4).

- admin (and `system`, i.e. jobs acting for the register itself): every item;
- staff: items that are not private and belong to one of their business areas or to none,
  and any item they participate in (private or not);
- operator under break-glass: items that are not private (private ones stay with their
  participants and the tenant's admins);
- self (an end customer) and anyone unknown: no items.

Every query reading `content_item`, or data reached through it (links, attachments and comments
of items), puts `Viewer.item_condition` in its WHERE clause. Business cards themselves are not
filtered here: every staff member sees every card (the card is contact data, DESIGN §4).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from core.db import DB

SEES_ALL = ("admin", "system")


@dataclass(frozen=True)
class Viewer:
    user_id: uuid.UUID | None
    role: str
    area_ids: tuple[uuid.UUID, ...] = ()

    @property
    def sees_everything(self) -> bool:
        return self.role in SEES_ALL

    def item_condition(self, alias: str, first_param: int) -> tuple[str, list]:
        """A SQL condition on the content_item row `alias`, true for the items this viewer may
        see, and its arguments, numbered from `$first_param`."""
        if not alias.isidentifier():
            raise ValueError(f"not an SQL alias: {alias!r}")
        if self.sees_everything:
            return "TRUE", []
        if self.role == "operator":
            return f"NOT {alias}.private", []
        if self.role != "staff" or self.user_id is None:
            return "FALSE", []
        areas, user = f"${first_param}", f"${first_param + 1}"
        condition = (
            f"((NOT {alias}.private AND ({alias}.area IS NULL "
            f"OR {alias}.area = ANY({areas}::uuid[]))) "
            f"OR EXISTS (SELECT 1 FROM content_participant vis_p "
            f"WHERE vis_p.item = {alias}.id AND vis_p.app_user = {user}))"
        )
        return condition, [list(self.area_ids), self.user_id]


SYSTEM = Viewer(user_id=None, role="system")


async def viewer_for_user(user_id: uuid.UUID | None, role: str) -> Viewer:
    """The viewer for a signed-in user (in the tenant scope): their business areas are read
    here, memberships of archived areas included (archiving does not hide old work)."""
    if role != "staff" or user_id is None:
        return Viewer(user_id=user_id, role=role)
    rows = await DB.current_connection().fetch(
        "SELECT area FROM user_area WHERE app_user = $1", user_id
    )
    return Viewer(user_id=user_id, role=role, area_ids=tuple(r["area"] for r in rows))


async def can_see_item(viewer: Viewer, item_id: uuid.UUID) -> bool:
    condition, args = viewer.item_condition("ci", 2)
    found = await DB.current_connection().fetchval(
        f"SELECT EXISTS (SELECT 1 FROM content_item ci WHERE ci.id = $1 AND {condition})",
        item_id,
        *args,
    )
    return bool(found)
