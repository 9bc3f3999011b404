"""Demo data for `kortisto run`: realistic Finnish companies and business cards.

Deterministic: the same seed gives the same register (`build(seed)` is a pure function; the
default seed comes from the tenant slug, so `demo` and `acme` differ but never change). Everything
is written through the core services (`create_organization`, `create_person`, `update_person`,
`mark_left`) so that derived columns (search and sort forms, normalised contacts, VAT numbers,
employment rows) are exactly what the application itself would write. Only the employment
dates are back-dated afterwards, so that history reads like years rather than one afternoon.

What you get per tenant: 48 organizations with valid Y-tunnukset, Finnish street addresses and
postal codes (Åland included), some with an e-invoice address; 240 business cards with names
full of ä, ö and å, valid Finnish mobile and landline numbers, e-mails derived from the names,
titles and keywords; some people who left their organization, some who moved to another one,
and a handful of near-duplicates so the duplicate warning has something to show.
"""

from __future__ import annotations

import random
import time
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta

from stdnum.fi import ytunnus

from core.db import DB
from core.organizations import OrganizationInput, create_organization
from core.persons import PersonInput, create_person, mark_left, update_person
from core.validation import ValidationFailed, normalise_phone
from tenants.demo_vocabulary import (
    CITIES,
    CITY_STREETS,
    COMPANY_NAMES,
    DESCRIPTIONS,
    EINVOICE_OPERATORS,
    FEMALE,
    KEYWORDS,
    LAST_NAMES,
    MALE,
    MOBILE_PREFIXES,
    STREETS,
    TITLES,
)
from tenants.scope import tenant_scope

ACTOR = "demo-data"
ORGANIZATIONS = 48
PERSONS = 240


_PLAIN = str.maketrans({"ä": "a", "ö": "o", "å": "a", "Ä": "A", "Ö": "O", "Å": "A", "é": "e"})
_TRANSLITERATE = str.maketrans(
    {"ä": "a", "ö": "o", "å": "a", "é": "e", "ü": "u", " ": "", "&": "", ",": "", "'": ""}
)


# --- the pure part: building the data set ---------------------------------------------------


@dataclass
class DemoOrganization:
    key: int
    data: OrganizationInput
    domain: str


@dataclass
class DemoPerson:
    first_name: str
    last_name: str
    emails: list[str]
    phones: list[str]
    title: str
    org: int | None
    keywords: list[str]
    description: str
    started_on: date | None = None
    moved_to: int | None = None  # moved to this organization on `moved_on`
    moved_on: date | None = None
    left_on: date | None = None
    duplicate_of: int | None = None  # index of the card this one nearly duplicates

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass
class DemoData:
    organizations: list[DemoOrganization] = field(default_factory=list)
    persons: list[DemoPerson] = field(default_factory=list)


def business_id(base: int) -> str | None:
    """`1234567-1` for a 7-digit base, or None when no check digit exists (remainder 1)."""
    digits = f"{base:07d}"
    remainder = sum(w * int(d) for w, d in zip((7, 9, 10, 5, 8, 4, 2), digits, strict=True)) % 11
    if remainder == 1:
        return None
    check = 0 if remainder == 0 else 11 - remainder
    return ytunnus.format(f"{digits}{check}")


def ascii_part(text: str) -> str:
    """E-mail/domain form of a Finnish name: lower case, ä→a, ö→o, å→a."""
    return text.casefold().translate(_TRANSLITERATE)


def plain(text: str) -> str:
    """The name as typed on a keyboard without ä, ö and å (Hämäläinen → Hamalainen)."""
    return text.translate(_PLAIN)


def _domain(name: str) -> str:
    words = [
        w
        for w in name.replace("-", " ").split()
        if w not in ("Oy", "Ab", "Oyj", "ja", "&", "och") and not w.isdigit()
    ]
    return ascii_part("".join(words[:2])) + ".example"


def _phone(rng: random.Random, used: set[str], area: str | None, digits: int = 7) -> str:
    while True:
        if area is None:
            raw = f"0{rng.choice(MOBILE_PREFIXES)} {rng.randint(0, 9_999_999):07d}"
        else:
            raw = f"0{area} {rng.randint(10 ** (digits - 1) * 2, 10**digits - 1)}"
        try:
            e164 = normalise_phone(raw)
        except ValidationFailed:
            continue
        if e164 not in used:
            used.add(e164)
            return raw


def _street(rng: random.Random, city: str) -> str:
    if city == "Maarianhamina":  # Swedish-speaking Åland
        return rng.choice(CITY_STREETS[city])
    return rng.choice(CITY_STREETS.get(city, ()) + STREETS)


def _date_between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def build(seed: int) -> DemoData:
    """The whole data set for one tenant; the same seed always gives the same data."""
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not secrets
    data = DemoData()
    used_ids: set[str] = set()
    names = rng.sample(COMPANY_NAMES, ORGANIZATIONS)
    for key, (name, city_name) in enumerate(names):
        bid = None
        while bid is None or bid in used_ids:
            bid = business_id(rng.randint(1_000_000, 3_399_999))
        used_ids.add(bid)
        city = next((c for c in CITIES if c[0] == city_name), None) or rng.choice(CITIES)
        einvoice = rng.random() < 0.4
        data.organizations.append(
            DemoOrganization(
                key=key,
                data=OrganizationInput(
                    name=name,
                    business_id=bid,
                    street_address=f"{_street(rng, city[0])} {rng.randint(1, 60)}"
                    + (f" {rng.choice('ABC')} {rng.randint(1, 30)}" if rng.random() < 0.2 else ""),
                    postal_code=rng.choice(city[1]),
                    city=city[0],
                    country="FI",
                    einvoice_address=f"0037{bid.replace('-', '')}" if einvoice else "",
                    einvoice_operator=rng.choice(EINVOICE_OPERATORS) if einvoice else "",
                    status="inactive" if rng.random() < 0.06 else "active",
                ),
                domain=_domain(name),
            )
        )
    area_of = {c[0]: (c[2], c[3]) for c in CITIES}
    used_phones: set[str] = set()
    used_emails: set[str] = set()
    for _ in range(PERSONS):
        first = rng.choice(FEMALE if rng.random() < 0.5 else MALE)
        last = rng.choice(LAST_NAMES)
        if rng.random() < 0.06:
            last = f"{last}-{rng.choice(LAST_NAMES)}"
        org = None if rng.random() < 0.06 else rng.randrange(len(data.organizations))
        domain = data.organizations[org].domain if org is not None else "kotiposti.example"
        local = f"{ascii_part(first)}.{ascii_part(last)}"
        email = f"{local}@{domain}"
        n = 2
        while email in used_emails:
            email, n = f"{local}{n}@{domain}", n + 1
        used_emails.add(email)
        emails = [email]
        phones = [_phone(rng, used_phones, None)]
        if org is not None and rng.random() < 0.3:
            area, digits = area_of[data.organizations[org].data.city]
            phones.append(_phone(rng, used_phones, area, digits))
        person = DemoPerson(
            first_name=first,
            last_name=last,
            emails=emails,
            phones=phones,
            title=rng.choice(TITLES) if org is not None else "",
            org=org,
            keywords=rng.sample(KEYWORDS, rng.choice((0, 0, 1, 1, 2, 3))),
            description=rng.choice(DESCRIPTIONS),
        )
        if org is not None:
            person.started_on = _date_between(rng, date(2008, 1, 1), date(2023, 6, 30))
            roll = rng.random()
            if roll < 0.09:
                person.left_on = _date_between(
                    rng, person.started_on + timedelta(days=200), date(2025, 12, 31)
                )
            elif roll < 0.18:
                person.moved_to = rng.choice([i for i in range(len(names)) if i != org])
                person.moved_on = _date_between(
                    rng, person.started_on + timedelta(days=200), date(2025, 9, 30)
                )
        data.persons.append(person)
    _add_near_duplicates(rng, data, used_phones)
    return data


def _add_near_duplicates(rng: random.Random, data: DemoData, used_phones: set[str]) -> None:
    """A few second cards of the same people, as they appear in real registers."""
    candidates = [
        i
        for i, p in enumerate(data.persons)
        if p.org is not None and p.left_on is None and p.moved_to is None
    ]
    # Names with ä, ö or å first: their plain spellings are the classic duplicate.
    accented = [
        i for i in candidates if plain(data.persons[i].full_name) != data.persons[i].full_name
    ]
    picks = rng.sample(accented, 6) if len(accented) >= 6 else rng.sample(candidates, 6)
    for n, i in enumerate(picks):
        p = data.persons[i]
        twin = DemoPerson(
            first_name=p.first_name,
            last_name=p.last_name,
            emails=[],
            phones=[],
            title=p.title,
            org=p.org,
            keywords=[],
            description="",
            started_on=p.started_on,
            duplicate_of=i,
        )
        if n in (0, 1):
            # Strong: the same e-mail (once in capitals), the name typed without ä/ö/å.
            twin.first_name, twin.last_name = plain(p.first_name), plain(p.last_name)
            twin.emails = [p.emails[0].upper() if n else p.emails[0]]
            twin.title = ""
        elif n == 2:
            # Strong: the same mobile number written another way, the first name abbreviated.
            twin.first_name = p.first_name[0] + "."
            twin.phones = ["+358 " + p.phones[0][1:]]
            local = f"{ascii_part(p.first_name)[0]}.{ascii_part(p.last_name)}"
            twin.emails = [f"{local}@kotiposti.example"]
        elif n == 3:
            # Weak: one letter missing in the last name, same organization, no shared contacts.
            cut = len(p.last_name) // 2
            twin.last_name = p.last_name[:cut] + p.last_name[cut + 1 :]
            twin.phones = [_phone(rng, used_phones, None)]
        else:
            # Weak: the name without ä/ö/å in the same organization, another e-mail.
            twin.first_name, twin.last_name = plain(p.first_name), plain(p.last_name)
            twin.emails = [p.emails[0].replace("@", ".tyo@")]
        data.persons.append(twin)


# --- writing it through the services --------------------------------------------------------


async def populate(data: DemoData) -> dict[str, int]:
    """Write `data` into the current tenant (inside a tenant scope)."""
    org_ids = []
    for org in data.organizations:
        org_ids.append((await create_organization(org.data, actor=ACTOR))["id"])
    dates: list[tuple] = []  # (person, organization, started_on, ended_on)
    counts = {"organizations": len(org_ids), "persons": 0, "departed": 0, "moved": 0}
    for p in data.persons:
        org_id = org_ids[p.org] if p.org is not None else None
        card = PersonInput(
            first_name=p.first_name,
            last_name=p.last_name,
            emails=p.emails,
            phones=p.phones,
            title=p.title,
            organization_id=org_id,
            keywords=p.keywords,
            description=p.description,
        )
        person_id = await create_person(card, actor=ACTOR)
        counts["persons"] += 1
        if p.moved_to is not None and p.moved_on is not None:
            card.organization_id = org_ids[p.moved_to]
            await update_person(person_id, card, actor=ACTOR)
            dates.append((person_id, org_id, p.started_on, p.moved_on))
            dates.append((person_id, card.organization_id, p.moved_on + timedelta(days=1), None))
            counts["moved"] += 1
        elif p.left_on is not None:
            await mark_left(person_id, p.left_on, actor=ACTOR)
            dates.append((person_id, org_id, p.started_on, p.left_on))
            counts["departed"] += 1
        elif org_id is not None:
            dates.append((person_id, org_id, p.started_on, None))
    # Back-date the history the services started today (the only write not through them).
    await DB.current_connection().executemany(
        "UPDATE employment SET started_on = $3, ended_on = coalesce($4, ended_on) "
        "WHERE person = $1 AND organization = $2",
        dates,
    )
    return counts


def seed_for(slug: str) -> int:
    return zlib.crc32(slug.encode())


async def has_persons() -> bool:
    return bool(await DB.current_connection().fetchval("SELECT EXISTS (SELECT 1 FROM person)"))


async def seed_tenant(slug: str, *, seed: int | None = None) -> dict[str, int] | None:
    """Fill a tenant with demo data in one transaction; None when it already has persons."""
    started = time.monotonic()
    data = build(seed_for(slug) if seed is None else seed)
    async with tenant_scope(slug):
        if await has_persons():
            return None
        counts = await populate(data)
    counts["seconds"] = round(time.monotonic() - started, 2)
    return counts


DEMO_ROLES = ("admin", "staff")


async def seed_users(slug: str, password: str) -> int:
    """admin@<slug>.example and staff@<slug>.example, unless the tenant has users already."""
    from core.accounts import create_user
    from core.db import DB
    from tenants.scope import tenant_scope

    async with tenant_scope(slug):
        if await DB.current_connection().fetchval("SELECT count(*) FROM app_user"):
            return 0
        for role in DEMO_ROLES:
            await create_user(
                f"{role}@{slug}.example",
                role=role,
                display_name=f"Demo {role}",
                password=password,
            )
    return len(DEMO_ROLES)
