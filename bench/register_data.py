"""A large register for the search benchmark: N persons in one tenant, loaded with COPY.

Rows carry exactly the derived columns the services write (`core.text.search_form` /
`sort_key` for names, `core.validation.normalise_email` / `normalise_phone` for contacts,
`vat_number` for organizations), so search reads what the application itself would have
written. Names follow a long-tailed distribution over a few hundred Finnish surnames and ~150
first names (the commonest surname ~1 % of the cards, as Korhonen or Virtanen are of Finns), so
trigram selectivity is realistic; e-mails and phone numbers are unique (e-mails: a counter is
added when a name repeats at a domain). Deterministic for a seed. Generated and copied in chunks,
so a million cards never sit in memory at once; only a sample is kept for the queries.
"""

from __future__ import annotations

import random
import time
import uuid
from bisect import bisect
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

from core.db import DB
from core.text import search_form, sort_key
from core.validation import normalise_email, normalise_phone, vat_number
from tenants.demo_data import (
    CITIES,
    DESCRIPTIONS,
    FEMALE,
    KEYWORDS,
    LAST_NAMES,
    MALE,
    MOBILE_PREFIXES,
    STREETS,
    TITLES,
    ascii_part,
    business_id,
)
from tenants.scope import tenant_scope

ACTOR = "bench"
CHUNK = 25_000

# Commonest Finnish surnames first (they get the largest weights), then the demo data's own
# names, then surnames built as Finnish ones are: a nature word + an ending.
COMMON_SURNAMES = (
    "Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine",
    "Heikkinen", "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen",
    "Heinonen", "Niemi", "Heikkilä", "Kinnunen", "Salonen", "Turunen", "Salo", "Laitinen",
    "Tuominen", "Rantanen", "Karjalainen", "Jokinen", "Mattila", "Savolainen", "Lahtinen",
    "Ahonen", "Leinonen", "Hiltunen", "Kallio", "Miettinen", "Laaksonen", "Hirvonen",
    "Lindholm", "Anttila", "Pitkänen", "Hakala", "Koivisto", "Laakso", "Räsänen", "Manninen",
    "Lindroos", "Seppälä", "Toivonen", "Peltonen", "Lindberg", "Mustonen",
)  # fmt: skip
_STEMS_BACK = (
    "Koski", "Lahti", "Salo", "Saari", "Ranta", "Kallio", "Vuori", "Laakso", "Harju",
    "Kangas", "Suo", "Joki", "Lampi", "Aho", "Kumpu", "Rinta", "Hovi", "Mutka", "Kuusi",
    "Honka", "Kata", "Tammi", "Haapa", "Raja", "Kurki", "Karhu", "Oksa", "Kivi", "Pelto",
    "Nurmi", "Paju", "Lepo", "Ruoho",
)  # fmt: skip
_STEMS_FRONT = (
    "Mäki", "Niemi", "Järvi", "Metsä", "Heinä", "Lehti", "Pyhä", "Syrjä", "Hyvä", "Kylä",
    "Närhi", "Törmä", "Väli", "Kynsi", "Seppä", "Lähde",
)  # fmt: skip
_ENDINGS = ("nen", "la", "mäki", "niemi", "järvi", "salo", "aho", "oja", "vaara", "lahti")
FIRST_NAMES_EXTRA = (
    "Laura", "Emilia", "Sofia", "Ella", "Aada", "Venla", "Iida", "Emma", "Veera", "Sara",
    "Katja", "Heli", "Leena", "Marjatta", "Kirsi", "Eija", "Pauliina", "Susanna", "Noora",
    "Milla", "Jenni", "Jonna", "Krista", "Tanja", "Elisa", "Henna", "Suvi", "Petra", "Piia",
    "Ronja", "Inkeri", "Kerttu", "Lotta", "Nelli", "Oona", "Anni", "Tuula", "Raija", "Seija",
    "Irma", "Pertti", "Juhani", "Olavi", "Mikael", "Johannes", "Kalle", "Oskari", "Aleksi",
    "Joonas", "Janne", "Petri", "Sami", "Teemu", "Tommi", "Marko", "Harri", "Hannu", "Seppo",
    "Esa", "Arto", "Veikko", "Tapani", "Kimmo", "Jarmo", "Ari", "Vesa", "Erkki", "Raimo",
    "Jaakko", "Niko", "Eetu", "Onni", "Elias", "Leevi", "Aatu", "Lasse", "Riku", "Henri",
    "Tuukka", "Paavo",
)  # fmt: skip
INDUSTRIES = (
    "Rakennus", "Sähkö", "Kuljetus", "Konepaja", "Tilitoimisto", "Ohjelmistotalo", "Leipomo",
    "Kiinteistöhuolto", "Metsäpalvelu", "Logistiikka", "Mainostoimisto", "Insinööritoimisto",
    "Lakiasiaintoimisto", "Hammaslääkärit", "Puutuote", "Maalaamo", "LVI-palvelu",
    "Autokorjaamo", "Kahvila", "Siivouspalvelu", "Tietotekniikka", "Konsultointi", "Putkityö",
    "Kattotyö", "Vesihuolto", "Energia", "Matkailu", "Kukkakauppa", "Optiikka",
    "Kalustetehdas", "Tilintarkastus", "Käännöstoimisto", "Kuntosali", "Pesula", "Muovi",
)  # fmt: skip
PERSONAL_DOMAINS = ("kotiposti.example", "posti.example", "sahkoposti.example", "netti.example")


def _harmony(stem: str, ending: str) -> str:
    front = any(ch in stem for ch in "äöy")
    if ending == "la" and front:
        return "lä"
    return ending


def surnames() -> list[str]:
    out: list[str] = []
    seen: set[str] = set()

    def add(name: str) -> None:
        if name not in seen:
            seen.add(name)
            out.append(name)

    for name in COMMON_SURNAMES + LAST_NAMES:
        add(name)
    for stem in _STEMS_BACK + _STEMS_FRONT:
        for ending in _ENDINGS:
            if ending.lower().startswith(stem.lower()[:3]):
                continue  # Järvijärvi
            if ending in ("nen", "la") and stem[-1] not in "aeiouyäö":
                continue  # Kangasla
            if ending[0] == stem[-1]:
                continue  # Rantaaho, Kalliooja
            add(stem + _harmony(stem, ending))
    return out


def first_names() -> list[str]:
    out: list[str] = []
    for name in FIRST_NAMES_EXTRA[:20] + MALE[:15] + FEMALE + MALE + FIRST_NAMES_EXTRA[20:]:
        if name not in out:
            out.append(name)
    return out


class Weighted:
    """Long-tailed choice: rank r gets weight 1 / (r + k)."""

    def __init__(self, items: list[str], k: float) -> None:
        self.items = items
        self.cum = list(accumulate(1.0 / (r + k) for r in range(1, len(items) + 1)))

    def pick(self, rng: random.Random) -> str:
        return self.items[bisect(self.cum, rng.random() * self.cum[-1])]

    def share(self, item: str) -> float:
        i = self.items.index(item)
        return (self.cum[i] - (self.cum[i - 1] if i else 0.0)) / self.cum[-1]


def _genitive(name: str) -> str:
    if name.endswith("nen"):
        return name[:-3] + "sen"
    if name[-1] in "aeiouyäö":
        return name + "n"
    return name + "in"


@dataclass
class Sample:
    """Cards kept for the queries (a reservoir over everything loaded)."""

    persons: list[dict] = field(default_factory=list)
    seen: int = 0
    size: int = 4000

    def offer(self, rng: random.Random, card: dict) -> None:
        self.seen += 1
        if len(self.persons) < self.size:
            self.persons.append(card)
        else:
            j = rng.randrange(self.seen)
            if j < self.size:
                self.persons[j] = card


@dataclass
class Generator:
    seed: int
    surname: Weighted = field(init=False)
    first: Weighted = field(init=False)
    rng: random.Random = field(init=False)
    used_phones: set[int] = field(default_factory=set)
    email_counts: dict[str, int] = field(default_factory=dict)
    domains: dict[str, str] = field(default_factory=dict)
    emails_made: int = 0
    phones_made: int = 0
    organizations: list[tuple[uuid.UUID, str, str]] = field(default_factory=list)
    sample: Sample = field(default_factory=Sample)
    next_business_base: int = 1_000_000

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)  # noqa: S311 - reproducible bench data
        self.surname = Weighted(surnames(), k=30)
        self.first = Weighted(first_names(), k=10)

    # -- organizations -----------------------------------------------------------------

    def organization_rows(self, n: int) -> list[tuple]:
        rng = self.rng
        rows = []
        names: set[str] = set()
        now = datetime.now(UTC)
        while len(rows) < n:
            city, postcodes, _area, _digits = rng.choice(CITIES)
            industry = rng.choice(INDUSTRIES)
            roll = rng.random()
            if roll < 0.45:
                name = f"{_genitive(self.surname.pick(rng))} {industry} Oy"
            elif roll < 0.7:
                name = f"{industry}-{self.surname.pick(rng)} Oy"
            elif roll < 0.9:
                name = f"{city} {industry} Oy"
            else:
                name = f"{self.surname.pick(rng)} & {self.surname.pick(rng)} {industry} Oy"
            if name in names:
                name = f"{name[:-3]} {len(rows)} Oy"
            names.add(name)
            bid = None
            while bid is None:
                bid = business_id(self.next_business_base)
                self.next_business_base += 7
            org_id = uuid.uuid4()
            domain = ascii_part(name.replace(" Oy", "").replace("-", "").replace("&", ""))
            domain = domain[:40] + ".example"
            self.organizations.append((org_id, name, domain))
            rows.append(
                (
                    org_id, name, bid, vat_number(bid),
                    f"{rng.choice(STREETS)} {rng.randint(1, 80)}", rng.choice(postcodes), city,
                    "FI", "", "", "active" if rng.random() > 0.05 else "inactive",
                    search_form(name), sort_key(name), now, now, ACTOR, ACTOR,
                )
            )  # fmt: skip
        return rows

    # -- persons ---------------------------------------------------------------------------

    def _phone(self) -> str:
        """A new number, as `normalise_phone` writes it (E.164). Mobile numbers (0 + a mobile
        prefix + 7 digits) always parse to +358 + the digits without the 0: that is used
        directly, and every 20th one goes through `normalise_phone` and must agree; landline
        numbers always go through it (some ranges are invalid and are drawn again)."""
        rng = self.rng
        while True:
            mobile = rng.random() < 0.85
            if mobile:
                raw = f"0{rng.choice(MOBILE_PREFIXES)} {rng.randint(0, 9_999_999):07d}"
            else:
                _city, _codes, area, digits = rng.choice(CITIES)
                raw = f"0{area} {rng.randint(10 ** (digits - 1) * 2, 10**digits - 1)}"
            digits_only = raw.replace(" ", "")
            key = int(digits_only)
            if key in self.used_phones:
                continue
            self.phones_made += 1
            if mobile and self.phones_made % 20:
                e164 = "+358" + digits_only[1:]
            else:
                try:
                    e164 = normalise_phone(raw)
                except Exception:  # noqa: S112 - an invalid number range: draw again
                    continue
                if mobile and e164 != "+358" + digits_only[1:]:
                    raise AssertionError(f"mobile shortcut disagrees for {raw}: {e164}")
            self.used_phones.add(key)
            return e164

    def _email(self, first: str, last: str, domain: str) -> tuple[str, str]:
        """`normalise_email` of the address. Local parts here are plain ASCII, so only the
        domain can change: it is normalised once per domain, and every 50th address goes
        through the whole function again and must give the same answer."""
        local = f"{ascii_part(first)}.{ascii_part(last)}".replace("-", "")
        key = f"{local}@{domain}"
        n = self.email_counts.get(key, 0) + 1
        self.email_counts[key] = n
        address = key if n == 1 else f"{local}{n}@{domain}"
        self.emails_made += 1
        known = self.domains.get(domain)
        if known is None or self.emails_made % 50 == 0:
            pair = normalise_email(address)
            written_domain = pair[0].rsplit("@", 1)[1]
            if known is not None and known != written_domain:
                raise AssertionError(f"domain shortcut disagrees for {address}")
            self.domains[domain] = written_domain
            return pair
        written = f"{address.rsplit('@', 1)[0]}@{known}"
        return written, written.casefold()

    def person_rows(self, n: int) -> tuple[list, list, list, list]:
        """(person, person_email, person_phone, employment) rows for n cards."""
        rng = self.rng
        persons, emails, phones, jobs = [], [], [], []
        today = date.today()
        for _ in range(n):
            first = self.first.pick(rng)
            last = self.surname.pick(rng)
            if rng.random() < 0.05:
                last = f"{last}-{self.surname.pick(rng)}"
            pid = uuid.uuid4()
            org = rng.choice(self.organizations) if rng.random() > 0.06 else None
            left_on = None
            title = rng.choice(TITLES) if org else ""
            started = today - timedelta(days=rng.randint(30, 6000))
            if org and rng.random() < 0.08:
                left_on = started + timedelta(days=rng.randint(100, 3000))
                left_on = min(left_on, today - timedelta(days=1))
            created = datetime.now(UTC) - timedelta(days=rng.randint(0, 3000))
            full = f"{first} {last}"
            persons.append(
                (
                    pid, first, last, title, org[0] if org else None,
                    rng.sample(KEYWORDS, rng.choice((0, 0, 0, 1, 1, 2))),
                    rng.choice(DESCRIPTIONS), left_on, search_form(full),
                    sort_key(f"{last} {first}"), created, ACTOR, created, ACTOR,
                )
            )  # fmt: skip
            card_emails = []
            domain = org[2] if org else rng.choice(PERSONAL_DOMAINS)
            card_emails.append(self._email(first, last, domain))
            if rng.random() < 0.3:
                card_emails.append(self._email(first, last, rng.choice(PERSONAL_DOMAINS)))
            for i, (written, normalised) in enumerate(card_emails):
                emails.append((uuid.uuid4(), pid, written, normalised, i))
            card_phones = [self._phone()]
            if rng.random() < 0.35:
                card_phones.append(self._phone())
            for i, e164 in enumerate(card_phones):
                phones.append((uuid.uuid4(), pid, e164, i))
            if org:
                if rng.random() < 0.15:  # an earlier job elsewhere
                    old = rng.choice(self.organizations)
                    before = started - timedelta(days=rng.randint(200, 3000))
                    jobs.append((uuid.uuid4(), pid, old[0], title, before, started, False))
                jobs.append((uuid.uuid4(), pid, org[0], title, started, left_on, left_on is None))
            self.sample.offer(
                rng,
                {
                    "id": pid,
                    "first_name": first,
                    "last_name": last,
                    "emails": [e[1] for e in card_emails],
                    "phones": card_phones,
                    "organization_id": org[0] if org else None,
                    "departed": left_on is not None,
                },
            )
        return persons, emails, phones, jobs


ORG_COLUMNS = (
    "id", "name", "business_id", "vat_number", "street_address", "postal_code", "city",
    "country", "einvoice_address", "einvoice_operator", "status", "search_name", "sort_key",
    "created_at", "updated_at", "created_by", "updated_by",
)  # fmt: skip
PERSON_COLUMNS = (
    "id", "first_name", "last_name", "title", "organization", "keywords", "description",
    "left_organization_on", "search_name", "sort_key", "created_at", "created_by",
    "updated_at", "updated_by",
)  # fmt: skip
EMAIL_COLUMNS = ("id", "person", "email", "email_normalised", "position")
PHONE_COLUMNS = ("id", "person", "phone_e164", "position")
JOB_COLUMNS = ("id", "person", "organization", "title", "started_on", "ended_on", "current")


@dataclass
class LoadStats:
    persons: int = 0
    organizations: int = 0
    emails: int = 0
    phones: int = 0
    jobs: int = 0
    generate_s: float = 0.0
    copy_s: float = 0.0


async def load(
    slug: str, gen: Generator, persons: int, organizations: int, stats: LoadStats
) -> LoadStats:
    """Add `organizations` organizations and `persons` cards to the tenant, chunk by chunk,
    each chunk in its own tenant transaction (COPY as the tenant's role)."""
    if organizations:
        t0 = time.perf_counter()
        rows = gen.organization_rows(organizations)
        stats.generate_s += time.perf_counter() - t0
        t0 = time.perf_counter()
        async with tenant_scope(slug):
            await DB.current_connection().copy_records_to_table(
                "organization", records=rows, columns=ORG_COLUMNS
            )
        stats.copy_s += time.perf_counter() - t0
        stats.organizations += len(rows)
    left = persons
    while left > 0:
        n = min(CHUNK, left)
        t0 = time.perf_counter()
        p, e, f, j = gen.person_rows(n)
        stats.generate_s += time.perf_counter() - t0
        t0 = time.perf_counter()
        async with tenant_scope(slug):
            conn = DB.current_connection()
            await conn.copy_records_to_table("person", records=p, columns=PERSON_COLUMNS)
            await conn.copy_records_to_table("person_email", records=e, columns=EMAIL_COLUMNS)
            await conn.copy_records_to_table("person_phone", records=f, columns=PHONE_COLUMNS)
            await conn.copy_records_to_table("employment", records=j, columns=JOB_COLUMNS)
        stats.copy_s += time.perf_counter() - t0
        stats.persons += len(p)
        stats.emails += len(e)
        stats.phones += len(f)
        stats.jobs += len(j)
        left -= n
    return stats
