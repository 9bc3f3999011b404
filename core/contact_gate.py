"""THE single gate before contacting or handing out a person (DESIGN §5, §6).

**Every path that markets to a person, sends them a survey, puts them in a marketing export or
list, or transfers their data to a recipient calls `may_contact(person_id, channel, purpose)`
first, in the same tenant transaction, and acts only when `Decision.allowed` is true.** Nothing
else decides this; no caller re-implements a part of it. Bulk paths call `may_contact_many`
(the same rules, one round trip per rule).

What it combines, in this order (the first refusal wins and is the `reason`):
1. the card: unknown or merged away → `unknown_person`;
2. restriction of processing (Art. 18, `person.restricted_at`) → `restricted`: only storage
   remains, so every purpose is refused;
3. objections (core.objections, Art. 21): direct marketing in this channel or in all channels
   refuses every marketing purpose; market research, publication and profiling refuse theirs
   → `objection`;
4. restrictions the customer set on the card (core.customer_preferences: no marketing, no
   e-mail, no phone calls, no post) → `customer_restriction`;
5. consent (core.consents) for the marketing purposes: the latest event for this channel and
   purpose withdrawn → `consent_withdrawn`; given → allowed (`consent`); never asked → refused
   in the electronic channels e-mail and SMS (`no_consent`: electronic direct marketing to a
   natural person needs prior consent), allowed by phone and post on the controller's
   legitimate interest until the person objects (`legitimate_interest`).
Other purposes (customer service messages, transfers to a processor, exports) are allowed
unless refused by 1–4 (`allowed`). A withdrawal or objection is a committed row that the very
next call reads: effective immediately.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from core.consents import CHANNELS
from core.consents import PURPOSES as CONSENT_PURPOSES
from core.db import DB

# Purposes the gate knows. Marketing ones need consent (electronic channels) and fall under a
# direct-marketing objection; the rest are refused only by restriction or their own objection.
MARKETING_PURPOSES = ("direct_marketing", "newsletter", "events")
# rights_request: answering the person's own data-subject request. Neither a restriction nor an
# objection stops it (Art. 12 obliges the answer; Art. 18(2) lets a restricted card's data be
# used for the person's own rights), so only an unknown card is refused.
RIGHTS_REQUEST = "rights_request"
# account: a message about a user's own account (an invitation, a password reset) that the
# user or an admin asked for. Not marketing, and it may go to a staff user with no card; for a
# self-service user it is how the person reaches their own data, so like rights_request only an
# unknown card (erased, merged away) refuses it.
ACCOUNT = "account"
PURPOSES = CONSENT_PURPOSES + (
    "publication",
    "profiling",
    "customer_service",
    "transfer",
    "export",
    RIGHTS_REQUEST,
    ACCOUNT,
)
# Purposes a message may have when it concerns no card (core.transfer_gate with no person):
# none of them needs a consent or falls under an objection.
CARDLESS_PURPOSES = ("customer_service", "transfer", "export", RIGHTS_REQUEST, ACCOUNT)
ELECTRONIC_CHANNELS = ("email", "sms")
# Which objection refuses which purpose (direct marketing: MARKETING_PURPOSES).
_OBJECTION_FOR = {
    "market_research": "market_research",
    "publication": "publication",
    "profiling": "profiling",
}
# Customer-set restriction topics (core.customer_preferences) and what they refuse.
_CHANNEL_RESTRICTION = {
    "email": "no_email",
    "sms": "no_email",
    "phone": "no_phone_calls",
    "post": "no_post",
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str  # a code: see the module docstring

    def __bool__(self) -> bool:
        return self.allowed


def _check(channel: str, purpose: str) -> None:
    if channel and channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")


async def may_contact(person_id: uuid.UUID, channel: str, purpose: str) -> Decision:
    """May this person be contacted through `channel` ("" when no channel: an export or a
    transfer) for `purpose`? See the module docstring: this is the only place that says."""
    return (await may_contact_many([person_id], channel, purpose))[person_id]


async def may_contact_many(
    person_ids: list[uuid.UUID], channel: str, purpose: str
) -> dict[uuid.UUID, Decision]:
    """`may_contact` for many cards at once (a marketing export, a newsletter sync)."""
    _check(channel, purpose)
    ids = list(dict.fromkeys(person_ids))
    conn = DB.current_connection()
    cards = {
        r["id"]: r["restricted_at"]
        for r in await conn.fetch(
            "SELECT id, restricted_at FROM person WHERE id = ANY($1::uuid[]) "
            "AND merged_into IS NULL",
            ids,
        )
    }
    objecting = await _objecting(ids, channel, purpose)
    restricting = await _restricting(ids, channel, purpose)
    consents: dict[uuid.UUID, bool] = {}
    if purpose in CONSENT_PURPOSES and channel:
        consents = {
            r["person"]: r["given"]
            for r in await conn.fetch(
                "SELECT DISTINCT ON (person) person, given FROM consent_event "
                "WHERE person = ANY($1::uuid[]) AND channel = $2 AND purpose = $3 "
                "ORDER BY person, at DESC, id",
                ids,
                channel,
                purpose,
            )
        }
    decisions: dict[uuid.UUID, Decision] = {}
    for pid in ids:
        if pid not in cards:
            decisions[pid] = Decision(False, "unknown_person")
        elif purpose in (RIGHTS_REQUEST, ACCOUNT):
            decisions[pid] = Decision(True, purpose)
        elif cards[pid] is not None:
            decisions[pid] = Decision(False, "restricted")
        elif pid in objecting:
            decisions[pid] = Decision(False, "objection")
        elif pid in restricting:
            decisions[pid] = Decision(False, "customer_restriction")
        elif purpose in CONSENT_PURPOSES and channel:
            given = consents.get(pid)
            if given is True:
                decisions[pid] = Decision(True, "consent")
            elif given is False:
                decisions[pid] = Decision(False, "consent_withdrawn")
            elif channel in ELECTRONIC_CHANNELS:
                decisions[pid] = Decision(False, "no_consent")
            else:
                decisions[pid] = Decision(True, "legitimate_interest")
        else:
            decisions[pid] = Decision(True, "allowed")
    return decisions


async def _objecting(ids: list[uuid.UUID], channel: str, purpose: str) -> set[uuid.UUID]:
    """Cards with an objection in force that covers this channel and purpose."""
    if purpose in MARKETING_PURPOSES:
        kind, channels = "direct_marketing", ["", channel] if channel else None
    elif purpose in _OBJECTION_FOR:
        kind, channels = _OBJECTION_FOR[purpose], None
    else:
        return set()
    rows = await DB.current_connection().fetch(
        "SELECT person FROM (SELECT DISTINCT ON (person, channel) person, channel, active "
        "FROM objection_event WHERE person = ANY($1::uuid[]) AND kind = $2 "
        "ORDER BY person, channel, at DESC, id) latest "
        "WHERE active AND ($3::text[] IS NULL OR channel = ANY($3::text[]))",
        ids,
        kind,
        channels,
    )
    return {r["person"] for r in rows}


async def _restricting(ids: list[uuid.UUID], channel: str, purpose: str) -> set[uuid.UUID]:
    """Cards whose customer-set restrictions in force refuse this channel or purpose."""
    topics = []
    if purpose in MARKETING_PURPOSES or purpose == "market_research":
        topics.append("no_marketing")
    if channel and purpose not in ("transfer", "export"):
        topics.append(_CHANNEL_RESTRICTION[channel])
    if not topics:
        return set()
    rows = await DB.current_connection().fetch(
        "SELECT DISTINCT person FROM customer_preference WHERE person = ANY($1::uuid[]) "
        "AND kind = 'restriction' AND topic = ANY($2::text[]) "
        "AND (ended_on IS NULL OR ended_on > current_date)",
        ids,
        topics,
    )
    return {r["person"] for r in rows}
