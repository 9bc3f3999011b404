"""A tenant with one real object behind every path parameter, for the authorization matrix.

`build_world(slug)` fills a freshly provisioned tenant: an end customer, two more cards (one to
merge with), an organization, a spare staff user, a business area, a pending invitation, an
uploaded import waiting for confirmation, an export archive and a break-glass grant held by a
helper operator. `World.ids` maps each path parameter name to a real value of this tenant.

Some requests use up what they point at (ending a session, revoking a grant, cancelling an
import, archiving an area, a wrong key code on an invitation). `World.fresh(...)` makes a new
object for each such request, so the walk stays valid whatever order it runs in.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from core import audit, break_glass, invitations, requests, retention
from core.added_processors import ProcessorInput, create_processor
from core.audit import SYSTEM
from core.business_areas import add_area
from core.content import ContentInput, create_item, link_person
from core.db import DB
from core.organizations import OrganizationInput, create_organization
from core.persons import PersonInput, create_person
from core.processing import ActivityInput, create_activity
from core.redis_client import redis_for_current_loop
from core.retention_rules import RuleInput, create_rule
from core.sessions import SessionStore
from core.settings import get_settings
from core.storage import ObjectStore
from core.visibility import Viewer
from tenants.archive import ARCHIVE_PREFIX, archive_name
from tenants.scope import platform_transaction, tenant_scope
from tests.conftest import add_self_user
from tests.support.auth_client import user_email
from tests.support.operator_client import create_operator
from web.auth import secret_key

IMPORT_CSV = "first_name,last_name,emails\nTuoti,Tuotava,tuoti.tuotava@tuonti.example\n"
GRANT_REASON = "Valtuutusmatriisin testi: tukipyyntö 42"
# The smallest GIF: one transparent pixel.
ATTACHMENT_GIF = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00"
    b"\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)


@dataclass
class World:
    slug: str
    ids: dict[str, str]
    users: dict[str, uuid.UUID]  # role -> user id
    helper_operator: dict
    secrets: list[str] = field(default_factory=list)  # names B's data must never show

    async def fresh(self, param: str, *, role: str, operator: dict | None) -> str:
        """A new object for a request that uses its target up (see the module docstring)."""
        async with tenant_scope(self.slug):
            if param == "token":
                return await _invitation(self.slug)
            if param == "import_id":
                return await _stored_import()
            if param == "area_id":
                return str(await add_area(f"Arkistoitava {uuid.uuid4().hex[:8]}"))
            if param == "attachment_id":
                return await stored_attachment(uuid.UUID(self.ids["person_id"]))
            if param in CUSTOMER_RECORDS:  # deleting or ending a record uses it up
                return str(await CUSTOMER_RECORDS[param](self.ids))
            if param == "item_id":  # deleted by its owner: the requesting staff member's own
                writer = "staff" if role == "staff" else "admin"
                return str(await content_item(self.users[writer], writer, "Poistettava"))
            if param == "link_id":  # a new card linked to the world's item
                card = await create_person(PersonInput(first_name="Irrotettava", last_name="X"))
                owner = Viewer(self.users["admin"], "admin")
                item = uuid.UUID(self.ids["item_id"])
                return str(await link_person(owner, item, card, "contact"))
        if param == "key":
            # A second session of the requesting user (staff's when the role has none here).
            subject = self.users.get(role, self.users["staff"])
            session_id = await _sessions().create(self.slug, str(subject))
            return hashlib.sha256(session_id.encode()).hexdigest()
        if param == "grant_id":  # a tenant admin revokes the helper operator's grant
            return await open_grant(self.helper_operator, self.slug)
        if param == "own_grant_id":
            # The console ends the requesting operator's own grant. It opens this tenant to
            # them only until that very request ends it (other roles get the helper's).
            holder = operator if role == "operator" and operator else self.helper_operator
            return await open_grant(holder, self.slug)
        raise KeyError(param)


def _sessions() -> SessionStore:
    return SessionStore(redis_for_current_loop(get_settings().redis_url.reveal()))


async def _invitation(slug: str) -> str:
    issued = await invitations.issue(
        f"kutsuttu-{uuid.uuid4().hex[:8]}@{slug}.example",
        purpose="invite",
        role="staff",
        secret_key=secret_key(),
    )
    return issued.token


async def _stored_import() -> str:
    import_id = uuid.uuid4()
    store = ObjectStore.from_settings(get_settings())
    await store.put(f"imports/{import_id}.csv", IMPORT_CSV.encode(), "text/csv")
    return str(import_id)


async def _insert(sql: str, *args) -> uuid.UUID:
    row_id = uuid.uuid4()
    await DB.current_connection().execute(sql, row_id, *args)
    return row_id


# Customer data (web.routes.customer_records, seller contacts): one record of each kind the
# routes delete or end, made from the world's ids.
CUSTOMER_RECORDS = {
    "person_record_id": lambda ids: _insert(
        "INSERT INTO contact_event (id, person, channel, direction, summary) "
        "VALUES ($1, $2, 'phone', 'inbound', 'Matriisin soitto')",
        uuid.UUID(ids["person_id"]),
    ),
    "org_record_id": lambda ids: _insert(
        "INSERT INTO contact_event (id, organization, channel, direction, summary) "
        "VALUES ($1, $2, 'email', 'outbound', 'Matriisin viesti')",
        uuid.UUID(ids["org_id"]),
    ),
    "item_comment_id": lambda ids: _insert(
        "INSERT INTO comment (id, item, body) VALUES ($1, $2, 'Matriisin kommentti')",
        uuid.UUID(ids["item_id"]),
    ),
    "preference_id": lambda ids: _insert(
        "INSERT INTO customer_preference (id, person, kind, topic) "
        "VALUES ($1, $2, 'restriction', 'no_phone_calls')",
        uuid.UUID(ids["person_id"]),
    ),
    "seller_id": lambda ids: _insert(
        "INSERT INTO seller_contact (id, seller_name, subject) VALUES ($1, $2, 'Matriisi')",
        ids["seller_name"],
    ),
}


async def content_item(user_id: uuid.UUID, role: str, title: str) -> uuid.UUID:
    """A deal in no business area, not private: every staff member of the tenant sees it."""
    return await create_item(Viewer(user_id, role), ContentInput(kind="deal", title=title))


async def stored_attachment(person_id: uuid.UUID) -> str:
    """A verified image attachment with a thumbnail on the card, without queueing its job."""
    attachment_id = uuid.uuid4()
    key = f"attachments/{attachment_id}"
    store = ObjectStore.from_settings(get_settings())
    stored = await store.put(key, ATTACHMENT_GIF, "image/gif")
    await store.put(key + ".thumb.jpg", ATTACHMENT_GIF, "image/jpeg")
    await DB.current_connection().execute(
        "INSERT INTO attachment (id, person, object_key, filename, content_type, size_bytes, "
        "sha256, status, thumbnail_key) VALUES ($1, $2, $3, 'kuva.gif', 'image/gif', $4, $5, "
        "'ready', $6)",
        attachment_id,
        person_id,
        key,
        stored.size,
        stored.sha256,
        key + ".thumb.jpg",
    )
    return str(attachment_id)


async def open_grant(operator: dict, slug: str) -> str:
    """A new active grant for `operator` on `slug` (ending the one it may already hold)."""
    async with platform_transaction():
        held = await break_glass.active_grant(operator["id"], slug)
        if held:
            await break_glass.revoke(held["id"], revoked_by="authorization matrix test")
        grant = await break_glass.create_grant(operator, slug, GRANT_REASON, 30)
    return str(grant["id"])


async def end_grants(operator: dict, slug: str) -> None:
    async with platform_transaction():
        held = await break_glass.active_grant(operator["id"], slug)
        if held:
            await break_glass.revoke(held["id"], revoked_by="authorization matrix test")


async def build_world(slug: str, *, label: str) -> World:
    """Objects of every kind in tenant `slug`; names carry `label` so a leak is recognisable."""
    self_person = await add_self_user(slug)
    async with tenant_scope(slug):
        conn = DB.current_connection()
        org = await create_organization(OrganizationInput(name=f"{label} Organisaatio Oy"))
        person = await create_person(
            PersonInput(first_name=label, last_name="Kortillinen", emails=[f"k@{slug}.example"])
        )
        other = await create_person(PersonInput(first_name=label, last_name="Yhdistettävä"))
        spare = uuid.uuid4()
        await conn.execute(
            "INSERT INTO app_user (id, email, display_name, role) VALUES ($1, $2, $3, 'staff')",
            spare,
            f"vara@{slug}.example",
            f"{label} Varakäyttäjä",
        )
        users = {
            row["role"]: row["id"]
            for row in await conn.fetch(
                "SELECT id, role FROM app_user WHERE email = ANY($1::text[])",
                [user_email(slug, r) for r in ("admin", "staff", "self")],
            )
        }
        area = await add_area(f"{label} alue")
        item = await content_item(users["admin"], "admin", f"{label} Kauppa")
        link = await link_person(Viewer(users["admin"], "admin"), item, person, "contact")
        token = await _invitation(slug)
        import_id = await _stored_import()
        archive = archive_name(str(uuid.uuid4()), datetime.now(UTC))
        await ObjectStore.from_settings(get_settings()).put(
            ARCHIVE_PREFIX + archive, b"\x1f\x8b archive", "application/gzip"
        )
        attachment = await stored_attachment(person)
        activity = await create_activity(
            ActivityInput(f"{label} käsittely", "f", "Matriisi", ["contact"]), actor=SYSTEM
        )
        rule = await create_rule(
            RuleInput("relationship_ended", 60, "delete", activity_id=activity), actor=SYSTEM
        )
        retention_run = await retention.dry_run(actor=SYSTEM)
        added_processor = await create_processor(  # an admin-added processor (admin pages)
            ProcessorInput(f"{label} Hosting Oy", "FI", ["name", "email"]), actor=SYSTEM
        )
        subject_request = await requests.create_request(
            person, "access", actor=audit.SYSTEM, requester_email=f"k@{slug}.example"
        )
        own_request = await requests.create_request(
            self_person, "access", actor=audit.SYSTEM, channel="self_service"
        )
        notification = uuid.uuid4()  # an Art. 19 manual task (admin pages)
        await DB.current_connection().execute(
            "INSERT INTO recipient_notification (id, request, person_id, processor, method, "
            "status) VALUES ($1, $2, $3, 'Matriisi Oy', 'manual', 'open')",
            notification,
            subject_request["id"],
            person,
        )
    helper = await create_operator(name=f"{label} Apuoperaattori")
    grant = await open_grant(helper, slug)
    ids = {
        "tenant": slug,
        "slug": slug,  # the operator console's name for a tenant
        "person_id": str(person),
        "other_id": str(other),
        "org_id": str(org["id"]),
        "user_id": str(spare),
        "area_id": str(area),
        "token": token,
        "kind": "persons",
        "import_id": import_id,
        "name": "consents",  # a person page section; archives use `archive` below
        "archive": archive,
        "grant_id": grant,
        "owner_kind": "person",  # attachments: the card's own
        "owner_id": str(person),
        "attachment_id": attachment,
        "activity_id": str(activity),  # a processing activity (admin pages)
        "rule_id": str(rule),  # a retention rule (admin pages)
        "run_id": str(retention_run),  # a retention dry run's report
        "processor_id": str(added_processor),  # an admin-added processor
        "privacy_section": "consents",  # the person page's consents (web.privacy_sections)
        "request_id": str(subject_request["id"]),  # a data-subject request about the card
        "own_request_id": str(own_request["id"]),  # the self user's own request
        "notification_id": str(notification),  # a recipient notification task
        "record_kind": "controller",  # Art. 30 records of the tenant as controller
        "plugin": "no-such-plugin",  # the plugin page answers with its list (nothing installed)
        "item_id": str(item),  # a content item every staff member sees
        "link_id": str(link),
        # Customer data: the section the record routes open, records they find (see
        # CUSTOMER_RECORDS; the test's PARAMETER_SOURCE says which route takes which).
        "section": "contacts",
        "item_section": "comments",
        "preference_section": "preferences",
        "seller_name": f"{label} Myyjämies",
        "key": "0" * 64,  # replaced per request (see World.fresh)
        "action": "suspend",  # operator console: the confirmation page, never confirmed here
        "code": "sv",
        "file_path": "kortisto.css",
        "path": "swagger",
    }
    async with tenant_scope(slug):
        for name, make in CUSTOMER_RECORDS.items():
            ids[name] = str(await make(ids))
    secrets = [f"{label} Kortillinen", f"{label} Organ", f"{label} Kauppa", f"{label} Myyjämies"]
    return World(slug, ids, users, helper, secrets=secrets)
