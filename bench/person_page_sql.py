"""The SQL of the person-page baseline (bench/person_page_baseline.py): the product's own
statements, written with a schema prefix `{s}` — `'"t_x".'` on the baseline's plain pool, `""`
inside a tenant scope — and the helpers that qualify them."""

from __future__ import annotations

import re
import uuid

LIST_LIMIT = 200  # core.customer_data.LIST_LIMIT, core.self_service.list_rectifications

# -- the product's SQL, schema prefix {s} ('"t_x".' for the plain pool, "" inside the scope) ----

PERSON_SQL = (
    "SELECT p.*, o.name AS organization_name FROM {s}person p "
    "LEFT JOIN {s}organization o ON o.id = p.organization WHERE p.id = $1"
)
EMAILS_SQL = "SELECT email FROM {s}person_email WHERE person = $1 ORDER BY position"
PHONES_SQL = "SELECT phone_e164 FROM {s}person_phone WHERE person = $1 ORDER BY position"
HISTORY_SQL = (
    "SELECT e.organization AS organization_id, o.name AS organization_name, e.title, "
    "e.started_on, e.ended_on, e.current FROM {s}employment e "
    "JOIN {s}organization o ON o.id = e.organization WHERE e.person = $1 "
    "ORDER BY e.current DESC, e.started_on DESC NULLS LAST"
)
RECTIFICATIONS_SQL = (
    "SELECT id, field, old_value, new_value, changed_by_user, changed_by_label, changed_at "
    "FROM {s}rectification WHERE person = $1 ORDER BY changed_at DESC, field LIMIT $2"
)
SELF_ACCOUNT_SQL = (
    "SELECT id, email, active, last_login_at FROM {s}app_user "
    "WHERE person = $1 AND role = 'self' ORDER BY created_at LIMIT 1"
)
USER_SQL = (
    "SELECT id, email, display_name, role, person, active, totp_enabled, locale, "
    "sessions_valid_after, last_login_at FROM {s}app_user WHERE id = $1"
)
AREAS_SQL = "SELECT area FROM {s}user_area WHERE app_user = $1"
# core.content_queries.person_overview; {condition}: the viewer's (item_condition below).
ITEMS_SQL = (
    "SELECT * FROM (SELECT ci.id, ci.kind, ci.title, ci.status, ci.stage, ci.starts_on, "
    "ci.ends_on, ci.private, ci.area, ci.organization, ci.parent, ci.updated_at, "
    "array_agg(l.role ORDER BY l.role) AS roles, "
    "row_number() OVER (PARTITION BY ci.kind "
    "ORDER BY ci.starts_on DESC NULLS LAST, ci.updated_at DESC, ci.id) AS n, "
    "count(*) OVER (PARTITION BY ci.kind) AS kind_total "
    "FROM {s}content_link l JOIN {s}content_item ci ON ci.id = l.item "
    "WHERE l.person = $1 AND {condition} GROUP BY ci.id) s WHERE s.n <= $2 ORDER BY s.n"
)
# core.visibility.Viewer.item_condition for a staff member ($n the areas, $n+1 the user).
STAFF_CONDITION = (
    "((NOT ci.private AND (ci.area IS NULL OR ci.area = ANY(${a}::uuid[]))) "
    "OR EXISTS (SELECT 1 FROM {s}content_participant vis_p "
    "WHERE vis_p.item = ci.id AND vis_p.app_user = ${u}))"
)
PERSON_EXISTS_SQL = "SELECT EXISTS (SELECT 1 FROM {s}person WHERE id = $1)"
ATTACHMENTS_SQL = (
    "SELECT id, item, person, organization, object_key, filename, content_type, size_bytes, "
    "sha256, status, status_reason, thumbnail_key, uploaded_at, uploaded_by "
    "FROM {s}attachment WHERE person = $1 ORDER BY uploaded_at DESC, filename"
)
RESTRICTED_SQL = "SELECT restricted_at FROM {s}person WHERE id = $1"
RESTRICT_EVENT_SQL = (
    "SELECT id, at, actor_kind, actor_id, actor_label, action, object_kind, object_id, "
    "detail, person_id, purpose, request_id, seq FROM {s}audit_event "
    "WHERE action LIKE $1 || '%' "
    "AND ($2::text IS NULL OR object_id = $2) ORDER BY at DESC, id LIMIT $3"
)
SETTING_SQL = "SELECT value FROM {s}tenant_setting WHERE name = $1"
HETU_SQL = "SELECT hetu_encrypted FROM {s}person WHERE id = $1"
REQUESTS_SQL = (
    "SELECT id, person_id, kind, status, channel, requester_email, received_at, due_on, "
    "extended_until, extension_reason, refusal_reason, verification_attempts, verified_at, "
    "completed_at, repeated, details, handled_by, verification_code_hash IS NOT NULL AS code_sent "
    "FROM {s}data_subject_request WHERE person_id = $1 ORDER BY received_at DESC, id"
)
TRANSFERS_SQL = (  # core.transfer_log.for_person
    "SELECT t.id, t.at, t.person_id, t.processor, t.recipient, t.plugin, t.country, "
    "t.outside_eea, t.safeguard, t.purpose, t.categories, t.external_ref, t.status, t.error, "
    "t.actor_label FROM {s}transfer t WHERE t.person_id = $1 ORDER BY t.at DESC, t.id LIMIT $2"
)
TRANSFERS_LIMIT = 100
ANY_ACTIVITY_SQL = "SELECT EXISTS (SELECT 1 FROM {s}processing_activity)"
PROVENANCE_SQL = (
    "SELECT id, source_kind, source_detail, field, recorded_at, recorded_by "
    "FROM {s}person_provenance WHERE person = $1 ORDER BY recorded_at DESC, field, id"
)
ACTIVITIES_SQL = (
    "SELECT id, name, purpose, lawful_basis, data_categories, recipients, retention, notes, "
    "active, created_at, updated_at, updated_by FROM {s}processing_activity "
    "WHERE active OR NOT $1 ORDER BY active DESC, lower(name)"
)
_CURRENT = "(ended_on IS NULL OR ended_on > current_date)"
BASES_SQL = (
    f"SELECT b.id, b.activity AS activity_id, a.name AS activity_name, b.basis, b.since, "
    f"b.source, b.ended_on, b.recorded_by, b.created_at, {_CURRENT} AS current "
    f"FROM {{s}}person_lawful_basis b JOIN {{s}}processing_activity a ON a.id = b.activity "
    f"WHERE b.person = $1 AND ({_CURRENT} OR NOT $2) "
    f"ORDER BY {_CURRENT} DESC, b.since DESC NULLS LAST, b.created_at DESC"
)
CONSENTS_SQL = (
    "SELECT DISTINCT ON (purpose, channel) id, channel, purpose, given, at, method, "
    "actor_label, notice_version, evidence FROM {s}consent_event "
    "WHERE person = $1 ORDER BY purpose, channel, at DESC, id"
)
OBJECTIONS_SQL = (
    "SELECT * FROM (SELECT DISTINCT ON (kind, channel) id, kind, channel, active, at, method, "
    "actor_label, note FROM {s}objection_event "
    "WHERE person = $1 ORDER BY kind, channel, at DESC, id) latest WHERE active"
)
CONTACTS_SQL = (
    "SELECT id, channel, direction, happened_at, summary, recorded_by, created_at "
    "FROM {s}contact_event WHERE person = $1 "
    "ORDER BY happened_at DESC, created_at DESC, id LIMIT $2"
)
FEEDBACK_SQL = (
    "SELECT id, kind, score, comment, received_on, recorded_by, created_at "
    "FROM {s}customer_feedback WHERE person = $1 "
    "ORDER BY received_on DESC NULLS LAST, created_at DESC, id LIMIT $2"
)
SATISFACTION_SQL = (
    "SELECT count(score) AS answers, avg(score) AS average FROM {s}customer_feedback "
    "WHERE person = $1 AND kind = 'satisfaction'"
)
PREFERENCES_SQL = (
    f"SELECT id, kind, topic, value, given_on, ended_on, recorded_by, created_at, "
    f"{_CURRENT} AS active FROM {{s}}customer_preference WHERE person = $1 "
    f"ORDER BY {_CURRENT} DESC, kind DESC, given_on DESC NULLS LAST, created_at DESC"
)
SUBJECT_SQL = "SELECT 1 FROM {s}person WHERE id = $1 AND merged_into IS NULL"
COMMENTS_SQL = (
    "SELECT id, body, created_at, created_by FROM {s}comment WHERE person = $1 "
    "ORDER BY created_at DESC, id"
)
RESTRICTIONS_SQL = (
    f"SELECT id, topic, value, given_on FROM {{s}}customer_preference "
    f"WHERE person = $1 AND kind = 'restriction' AND {_CURRENT} ORDER BY topic, given_on"
)
# core.audit._INSERT; {gate}: the chain gate's key (the tenant's schema, as current_schema()
# names it inside the product's scope).
AUDIT_SQL = (
    "INSERT INTO {s}audit_event (id, at, actor_kind, actor_id, actor_label, action, "
    "object_kind, object_id, detail, person_id, purpose, request_id) "
    "SELECT $1, clock_timestamp(), $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11 "
    "FROM (SELECT pg_advisory_xact_lock_shared(hashtextextended({gate}, 0))) AS chain_gate"
)


def sql(template: str, schema: str | None) -> str:
    """The statement for this schema: qualified (`"t_x".table`), or unqualified for None."""
    return template.replace("{s}", f'"{schema}".' if schema else "")


_TABLE = re.compile(r"\b(FROM|JOIN) ([a-z_]+)\b")


def qualify(statement: str, schema: str | None) -> str:
    """A statement the product builds (unqualified), with every table schema-qualified."""
    if not schema:
        return statement
    return _TABLE.sub(lambda m: f'{m[1]} "{schema}".{m[2]}', statement)


def overview_sql(role: str, schema: str | None) -> str:
    """person_overview's statement under this viewer's condition ($3 areas, $4 user: staff)."""
    condition = "TRUE" if role == "admin" else STAFF_CONDITION.format(a=3, u=4, s="{s}")
    return sql(ITEMS_SQL.replace("{condition}", condition), schema)


_TIMELINE: dict[tuple[str | None, str], str] = {}


def timeline_sql(role: str, schema: str | None) -> str:
    """The product's timeline statement for this viewer role ($4 areas, $5 user: staff)."""
    key = (schema, role)
    if key not in _TIMELINE:
        from core.person_timeline import _timeline_sql
        from core.visibility import Viewer

        statement, _args = _timeline_sql(Viewer(uuid.uuid4(), role, ()))
        _TIMELINE[key] = qualify(statement, schema)
    return _TIMELINE[key]


def audit_sql(schema: str | None) -> str:
    gate = f"'kortisto.audit:{schema}'" if schema else "'kortisto.audit:' || current_schema()"
    return sql(AUDIT_SQL, schema).replace("{gate}", gate)
