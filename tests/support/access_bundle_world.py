"""A person with a row in every category an access copy covers, each text carrying a marker.

`person_with_everything(store, marker)` runs in the caller's tenant scope and returns the
card's id and, per category, the marker-bearing string that must show up in the copy.
"""

from __future__ import annotations

import uuid

from core import audit
from core.db import DB
from core.storage import ObjectStore


async def person_with_everything(store: ObjectStore, marker: str) -> tuple[uuid.UUID, dict]:
    conn = DB.current_connection()
    m = marker
    person, org, item, hidden, activity = (uuid.uuid4() for _ in range(5))
    await conn.execute(
        "INSERT INTO organization (id, name, search_name, sort_key) VALUES ($1, $2, $2, $2)",
        org,
        f"Org{m} Oy",
    )
    await conn.execute(
        "INSERT INTO person (id, first_name, last_name, title, keywords, description, "
        "organization, search_name, sort_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $2, $3)",
        person,
        f"Etu{m}",
        f"Suku{m}",
        f"Nimike{m}",
        [f"avain{m}"],
        f"Kuvaus{m}",
        org,
    )
    await conn.execute(
        "INSERT INTO person_email (id, person, email, email_normalised) VALUES ($1, $2, $3, $3)",
        uuid.uuid4(),
        person,
        f"posti{m.lower()}@example.com",
    )
    await conn.execute(
        "INSERT INTO employment (id, person, organization, title) VALUES ($1, $2, $3, $4)",
        uuid.uuid4(),
        person,
        org,
        f"Tyo{m}",
    )
    for item_id, private, title in ((item, False, f"Hanke{m}"), (hidden, True, f"Salainen{m}")):
        await conn.execute(
            "INSERT INTO content_item (id, kind, title, private) VALUES ($1, 'project', $2, $3)",
            item_id,
            title,
            private,
        )
        await conn.execute(
            "INSERT INTO content_link (id, item, person, role) VALUES ($1, $2, $3, $4)",
            uuid.uuid4(),
            item_id,
            person,
            f"rooli{m}",
        )
    rows = {
        "contact_history": (
            "INSERT INTO contact_event (id, person, channel, direction, summary) "
            "VALUES ($1, $2, 'phone', 'inbound', $3)",
            f"Soitto{m}",
        ),
        "feedback": (
            "INSERT INTO customer_feedback (id, person, comment) VALUES ($1, $2, $3)",
            f"Palaute{m}",
        ),
        "preferences": (
            "INSERT INTO customer_preference (id, person, kind, topic, value) "
            "VALUES ($1, $2, 'personalisation', 'language', $3)",
            f"Toive{m}",
        ),
        "comments": ("INSERT INTO comment (id, person, body) VALUES ($1, $2, $3)", f"Huom{m}"),
        "consents": (
            "INSERT INTO consent_event (id, person, channel, purpose, given, method, "
            "notice_version) VALUES ($1, $2, 'email', 'newsletter', true, 'form', $3)",
            f"v{m}",
        ),
        "objections": (
            "INSERT INTO objection_event (id, person, kind, active, method, note) "
            "VALUES ($1, $2, 'profiling', true, 'self_service', $3)",
            f"Vastustan{m}",
        ),
        "provenance": (
            "INSERT INTO person_provenance (id, person, source_kind, source_detail) "
            "VALUES ($1, $2, 'purchased_list', $3)",
            f"Lista{m}",
        ),
        "field_changes": (
            "INSERT INTO field_change (id, person, field, old_value, new_value) "
            "VALUES ($1, $2, 'title', 'vanha', $3)",
            f"Uusi{m}",
        ),
        "recipients": (
            "INSERT INTO transfer (id, person_id, processor, country, outside_eea, safeguard, "
            "purpose) VALUES ($1, $2, $3, 'US', true, 'scc_2021_914', 'newsletter')",
            f"Vastaanottaja{m}",
        ),
        "requests": (
            "INSERT INTO data_subject_request (id, person_id, kind, due_on, extension_reason) "
            "VALUES ($1, $2, 'rectification', current_date + 30, $3)",
            f"Jatko{m}",
        ),
    }
    for sql, value in rows.values():
        await conn.execute(sql, uuid.uuid4(), person, value)
    await conn.execute(
        "INSERT INTO processing_activity (id, name, lawful_basis) VALUES ($1, $2, 'f')",
        activity,
        f"Toimi{m}",
    )
    await conn.execute(
        "INSERT INTO person_lawful_basis (id, person, activity, basis, source) "
        "VALUES ($1, $2, $3, 'f', 'staff')",
        uuid.uuid4(),
        person,
        activity,
    )
    key = f"attachments/{uuid.uuid4()}"
    body = f"Liitteen sisalto {m}".encode()
    stored = await store.put(key, body, "text/plain")
    await conn.execute(
        "INSERT INTO attachment (id, person, object_key, filename, content_type, size_bytes, "
        "sha256, status) VALUES ($1, $2, $3, $4, 'text/plain', $5, $6, 'ready')",
        uuid.uuid4(),
        person,
        key,
        f"liite{m}.txt",
        len(body),
        stored.sha256,
    )
    await audit.record_read(
        [person],
        actor=audit.Actor("user", str(uuid.uuid4()), "x@y.example"),
        purpose="customer_service",
        via="page",
    )
    expected = {name: value for name, (_sql, value) in rows.items()}
    expected.update(
        card=f"Kuvaus{m}",
        employment=f"Tyo{m}",
        content_items=f"Hanke{m}",
        lawful_bases=f"Toimi{m}",
        attachments=f"liite{m}.txt",
        reads="page",  # the read's path (codes such as its purpose are in words in HTML)
    )
    return person, expected
