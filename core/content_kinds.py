"""The kinds of content a business card can be linked to (seed 000's list), and per kind:
the roles a linked person may have, the pipeline stages, the statuses and the kind's own fields.

Labels are msgids; `web` translates them. Codes are what the database stores.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from core.validation import ValidationFailed

# Roles any kind accepts: somebody the item is about or who is kept informed.
COMMON_ROLES = ("contact", "participant")

STATUSES = ("open", "done", "cancelled")


@dataclass(frozen=True)
class DetailField:
    """A kind's own field, kept in `content_item.details`."""

    name: str
    label: str
    type: str = "text"  # text | money | date | int | choice
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Kind:
    code: str
    label: str
    plural: str
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
            "Deal or offer",
            "Deals and offers",
            ("decision_maker", "contact", "influencer", "participant"),
            stages=("lead", "qualified", "offer", "negotiation", "won", "lost"),
            details=(
                DetailField("value", "Value (EUR)", _MONEY),
                DetailField("probability", "Probability (%)", "int"),
                DetailField("offer_valid_until", "Offer valid until", "date"),
            ),
        ),
        Kind(
            "contract",
            "Contract",
            "Contracts",
            ("signer", "contact", "participant"),
            details=(
                DetailField("contract_number", "Contract number"),
                DetailField("value", "Value (EUR)", _MONEY),
                DetailField("notice_period", "Notice period"),
                DetailField("signed_on", "Signed on", "date"),
            ),
        ),
        Kind(
            "project",
            "Project",
            "Projects",
            ("project_manager", "member", "contact", "participant"),
            details=(DetailField("budget", "Budget (EUR)", _MONEY),),
        ),
        Kind(
            "event",
            "Event",
            "Events",
            ("organiser", "speaker", "attendee", "contact", "participant"),
            details=(
                DetailField("place", "Place"),
                DetailField("capacity", "Capacity", "int"),
            ),
        ),
        Kind("group", "Group", "Groups", ("leader", "member", "contact", "participant")),
        Kind(
            "task",
            "Task",
            "Tasks",
            ("requester", "assignee", "contact", "participant"),
            details=(
                DetailField(
                    "task_type", "Type", "choice", ("contact_request", "follow_up", "other")
                ),
                DetailField("due_on", "Due", "date"),
            ),
        ),
        Kind(
            "meeting",
            "Meeting",
            "Meetings",
            ("chair", "secretary", "minutes_checker", "preparer", "participant", "contact"),
            details=(
                DetailField("place", "Place"),
                DetailField("starts_at", "Starts at (time)"),
                DetailField("agenda", "Agenda"),
                DetailField("minutes", "Minutes"),
            ),
        ),
        Kind(
            "course",
            "Course",
            "Courses",
            ("teacher", "student", "assistant", "contact", "participant"),
            details=(DetailField("credits", "Credits", "int"),),
        ),
        Kind(
            "lecture",
            "Lecture",
            "Lectures",
            ("teacher", "student", "participant", "contact"),
            details=(DetailField("place", "Place"),),
            parent_kinds=("course",),
        ),
        Kind(
            "exercise",
            "Exercise",
            "Exercises",
            ("teacher", "student", "participant", "contact"),
            details=(DetailField("due_on", "Due", "date"),),
            parent_kinds=("course",),
        ),
        Kind(
            "submission",
            "Exercise submission",
            "Exercise submissions",
            ("submitter", "reviewer", "participant", "contact"),
            details=(DetailField("grade", "Grade"),),
            parent_kinds=("exercise",),
        ),
        Kind(
            "portfolio_work",
            "Portfolio work",
            "Portfolio works",
            ("author", "client_contact", "contact", "participant"),
            details=(DetailField("url", "Link"),),
        ),
        Kind(
            "idea",
            "Idea",
            "Ideas",
            ("proposer", "owner", "evaluator", "contact", "participant"),
            stages=("new", "evaluating", "approved", "in_progress", "implemented", "rejected"),
        ),
        Kind(
            "application",
            "Application",
            "Applications",
            ("applicant", "handler", "contact", "participant"),
            details=(DetailField("received_on", "Received on", "date"),),
        ),
        Kind(
            "job_application",
            "Job application",
            "Job applications",
            ("applicant", "recruiter", "interviewer", "referee", "contact", "participant"),
            details=(
                DetailField("position", "Position"),
                DetailField("received_on", "Received on", "date"),
            ),
        ),
        Kind(
            "transport",
            "Transport",
            "Transports",
            ("sender", "recipient", "carrier_contact", "driver", "contact", "participant"),
            details=(
                DetailField("pickup", "Pick-up place"),
                DetailField("delivery", "Delivery place"),
                DetailField("tracking_code", "Tracking code"),
            ),
        ),
    )
}

# Labels of role codes (msgids, translated in web).
ROLE_LABELS = {
    "applicant": "Applicant",
    "assignee": "Assignee",
    "assistant": "Assistant",
    "attendee": "Attendee",
    "author": "Author",
    "carrier_contact": "Carrier's contact",
    "chair": "Chair",
    "client_contact": "Client's contact",
    "contact": "Contact",
    "decision_maker": "Decision maker",
    "driver": "Driver",
    "evaluator": "Evaluator",
    "handler": "Handler",
    "influencer": "Influencer",
    "interviewer": "Interviewer",
    "leader": "Leader",
    "member": "Member",
    "minutes_checker": "Minutes checker",
    "organiser": "Organiser",
    "owner": "Owner",
    "participant": "Participant",
    "preparer": "Preparer",
    "project_manager": "Project manager",
    "proposer": "Proposer",
    "recipient": "Recipient",
    "recruiter": "Recruiter",
    "referee": "Referee",
    "requester": "Requester",
    "reviewer": "Reviewer",
    "secretary": "Secretary",
    "sender": "Sender",
    "signer": "Signer",
    "speaker": "Speaker",
    "student": "Student",
    "submitter": "Submitter",
    "teacher": "Teacher",
}

STAGE_LABELS = {
    "lead": "Lead",
    "qualified": "Qualified",
    "offer": "Offer sent",
    "negotiation": "Negotiation",
    "won": "Won",
    "lost": "Lost",
    "new": "New",
    "evaluating": "Being evaluated",
    "approved": "Approved",
    "in_progress": "In progress",
    "implemented": "Implemented",
    "rejected": "Rejected",
}

STATUS_LABELS = {"open": "Open", "done": "Done", "cancelled": "Cancelled"}

CHOICE_LABELS = {"contact_request": "Contact request", "follow_up": "Follow-up", "other": "Other"}


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
