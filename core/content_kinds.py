"""The kinds of content a business card can be linked to (seed 000's list), and per kind:
the roles a linked person may have, the pipeline stages, the statuses and the kind's own fields.

Only codes live here (they are what the database stores); `web` holds their translated labels.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from core.validation import ValidationFailed

# Roles any kind accepts: somebody the item is about or who is kept informed.
COMMON_ROLES = ("contact", "participant")

STATUSES = ("open", "done", "cancelled")

# Social media addresses any kind may carry, shown click-to-load (core.embeds).
EMBED_URLS = "embed_urls"
EMBED_URLS_MAX = 10
EMBED_URL_MAX_LENGTH = 1000


@dataclass(frozen=True)
class DetailField:
    """A kind's own field, kept in `content_item.details`."""

    name: str
    type: str = "text"  # text | money | date | int | choice
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Kind:
    code: str
    roles: tuple[str, ...]
    stages: tuple[str, ...] = ()  # a pipeline, shown as a board
    details: tuple[DetailField, ...] = ()
    parent_kinds: tuple[str, ...] = ()  # a part of another item (a course's lecture)
    statuses: tuple[str, ...] = field(default=STATUSES)

    @property
    def has_pipeline(self) -> bool:
        return bool(self.stages)


_MONEY = "money"
KINDS: dict[str, Kind] = {
    kind.code: kind
    for kind in (
        Kind(
            "deal",
            ("decision_maker", "contact", "influencer", "participant"),
            stages=("lead", "qualified", "offer", "negotiation", "won", "lost"),
            details=(
                DetailField("value", _MONEY),
                DetailField("probability", "int"),
                DetailField("offer_valid_until", "date"),
            ),
        ),
        Kind(
            "contract",
            ("signer", "contact", "participant"),
            details=(
                DetailField("contract_number"),
                DetailField("value", _MONEY),
                DetailField("notice_period"),
                DetailField("signed_on", "date"),
            ),
        ),
        Kind(
            "project",
            ("project_manager", "member", "contact", "participant"),
            details=(DetailField("budget", _MONEY),),
        ),
        Kind(
            "event",
            ("organiser", "speaker", "attendee", "contact", "participant"),
            details=(
                DetailField("place"),
                DetailField("capacity", "int"),
            ),
        ),
        Kind("group", ("leader", "member", "contact", "participant")),
        Kind(
            "task",
            ("requester", "assignee", "contact", "participant"),
            details=(
                DetailField("task_type", "choice", ("contact_request", "follow_up", "other")),
                DetailField("due_on", "date"),
            ),
        ),
        Kind(
            "meeting",
            ("chair", "secretary", "minutes_checker", "preparer", "participant", "contact"),
            details=(
                DetailField("place"),
                DetailField("starts_at"),
                DetailField("agenda"),
                DetailField("minutes"),
            ),
        ),
        Kind(
            "course",
            ("teacher", "student", "assistant", "contact", "participant"),
            details=(DetailField("credits", "int"),),
        ),
        Kind(
            "lecture",
            ("teacher", "student", "participant", "contact"),
            details=(DetailField("place"),),
            parent_kinds=("course",),
        ),
        Kind(
            "exercise",
            ("teacher", "student", "participant", "contact"),
            details=(DetailField("due_on", "date"),),
            parent_kinds=("course",),
        ),
        Kind(
            "submission",
            ("submitter", "reviewer", "participant", "contact"),
            details=(DetailField("grade"),),
            parent_kinds=("exercise",),
        ),
        Kind(
            "portfolio_work",
            ("author", "client_contact", "contact", "participant"),
            details=(DetailField("url"),),
        ),
        Kind(
            "idea",
            ("proposer", "owner", "evaluator", "contact", "participant"),
            stages=("new", "evaluating", "approved", "in_progress", "implemented", "rejected"),
        ),
        Kind(
            "application",
            ("applicant", "handler", "contact", "participant"),
            details=(DetailField("received_on", "date"),),
        ),
        Kind(
            "job_application",
            ("applicant", "recruiter", "interviewer", "referee", "contact", "participant"),
            details=(
                DetailField("position"),
                DetailField("received_on", "date"),
            ),
        ),
        Kind(
            "transport",
            ("sender", "recipient", "carrier_contact", "driver", "contact", "participant"),
            details=(
                DetailField("pickup"),
                DetailField("delivery"),
                DetailField("tracking_code"),
            ),
        ),
    )
}


def get_kind(code: str) -> Kind:
    """The kind, or ValidationFailed on field `kind` for an unknown code."""
    kind = KINDS.get(code)
    if kind is None:
        raise ValidationFailed({"kind": ("unknown", f"unknown content kind {code!r}")})
    return kind


def check_role(kind: Kind, role: str) -> str:
    """The role if the kind's vocabulary has it; ValidationFailed on field `role` otherwise."""
    if role not in kind.roles:
        allowed = ", ".join(kind.roles)
        raise ValidationFailed(
            {"role": ("not_in_vocabulary", f"a {kind.code} accepts the roles {allowed}")}
        )
    return role


def check_stage(kind: Kind, stage: str | None) -> str:
    """The stage for a pipeline kind (its first when none is given); "" for other kinds."""
    if not kind.has_pipeline:
        if stage:
            raise ValidationFailed({"stage": ("no_pipeline", f"a {kind.code} has no stages")})
        return ""
    if not stage:
        return kind.stages[0]
    if stage not in kind.stages:
        raise ValidationFailed(
            {"stage": ("unknown", f"the stages of a {kind.code} are {', '.join(kind.stages)}")}
        )
    return stage


def clean_details(kind: Kind, raw: dict[str, object]) -> dict[str, object]:
    """The kind's own fields from form or JSON input, checked and in storable (JSON) form.

    Unknown names are refused (nothing silently dropped); empty values are left out. Errors
    for all fields come together, keyed `details.<name>`."""
    known = {f.name: f for f in kind.details}
    errors: dict[str, tuple[str, str]] = {}
    clean: dict[str, object] = {}
    for name, value in raw.items():
        if name == EMBED_URLS:
            try:
                urls = clean_embed_urls(value)
            except ValueError as exc:
                errors[f"details.{name}"] = ("invalid", str(exc))
            else:
                if urls:
                    clean[name] = urls
            continue
        spec = known.get(name)
        if spec is None:
            errors[f"details.{name}"] = ("unknown", f"a {kind.code} has no field {name!r}")
            continue
        text = "" if value is None else str(value).strip()
        if not text:
            continue
        try:
            clean[name] = _convert(spec, text)
        except ValueError as exc:
            errors[f"details.{name}"] = ("invalid", str(exc))
    if errors:
        raise ValidationFailed(errors)
    return clean


def clean_embed_urls(raw: object) -> list[str]:
    """Pasted addresses (one per line, or a list) as a list without repeats; ValueError says
    what is wrong."""
    lines = raw if isinstance(raw, list | tuple) else str(raw or "").splitlines()
    urls = list(dict.fromkeys(str(line).strip() for line in lines if str(line).strip()))
    if len(urls) > EMBED_URLS_MAX:
        raise ValueError(f"at most {EMBED_URLS_MAX} addresses")
    for url in urls:
        parts = urlsplit(url)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or len(url) > EMBED_URL_MAX_LENGTH
            or any(c.isspace() for c in url)
        ):
            raise ValueError(f"not a web address: {url[:80]}")
    return urls


def _convert(spec: DetailField, text: str) -> object:
    if spec.type == _MONEY:
        try:
            amount = Decimal(text.replace(" ", "").replace("\u00a0", "").replace(",", "."))
        except InvalidOperation:
            raise ValueError("give an amount such as 1500 or 1500,50") from None
        if not amount.is_finite() or amount < 0 or amount.as_tuple().exponent < -2:
            raise ValueError("give a non-negative amount with at most two decimals")
        return str(amount)
    if spec.type == "int":
        if not text.lstrip("-").isdigit():
            raise ValueError("give a whole number")
        return int(text)
    if spec.type == "date":
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError("give a date as YYYY-MM-DD") from None
    if spec.type == "choice":
        if text not in spec.choices:
            raise ValueError(f"choose one of {', '.join(spec.choices)}")
        return text
    if len(text) > 5000:
        raise ValueError("at most 5000 characters")
    return text
