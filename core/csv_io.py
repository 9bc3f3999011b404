"""CSV in and out of the register.

Writing: UTF-8 with a byte-order mark and `;` between cells, so a double click opens the file
in Excel in columns (Finnish Excel's list separator is `;`, because `,` is its decimal sign).
No cell can carry a formula: a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
return gets a leading apostrophe (OWASP's advice against CSV injection). That includes phone
numbers: they are written in international format (`'+358 40 1234567`), so the number stays
readable and exact (Excel would otherwise evaluate `+358401234567` as a number and drop the
`+`), and the apostrophe shows that the cell is text. Reading strips that apostrophe again, so
an exported file imports back unchanged.

Reading: UTF-8 with or without the byte-order mark, `;` or `,` sniffed from the header row,
header names in Finnish, Swedish or English mapped to the register's fields.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from core.db import DB
from core.text import search_form

DELIMITER = ";"
BOM = "\ufeff"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 5000
EXPORT_TIMEZONE = ZoneInfo("Europe/Helsinki")
KINDS = ("persons", "organizations")

# --- writing -------------------------------------------------------------------------------


def neutralise(value: object) -> str:
    """The cell as text that no spreadsheet runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_line(cells: Iterable[object]) -> str:
    """One CSV record (CRLF-terminated, quoted where needed) of neutralised cells."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n").writerow(
        [neutralise(cell) for cell in cells]
    )
    return buffer.getvalue()


def format_phone(e164: str) -> str:
    """`+358401234567` → `+358 40 1234567` (still starts with `+`, so it is neutralised)."""
    import phonenumbers

    try:
        return phonenumbers.format_number(
            phonenumbers.parse(e164, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return e164


def _moment(value: datetime | None) -> str:
    return value.astimezone(EXPORT_TIMEZONE).isoformat(timespec="seconds") if value else ""


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


PERSON_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "emails",
    "phones",
    "title",
    "organization",
    "business_id",
    "keywords",
    "description",
    "left_on",
    "created_at",
    "updated_at",
)

ORGANIZATION_COLUMNS = (
    "id",
    "name",
    "business_id",
    "vat_number",
    "street_address",
    "postal_code",
    "city",
    "country",
    "einvoice_address",
    "einvoice_operator",
    "status",
    "created_at",
    "updated_at",
)

_PERSONS_SQL = """
SELECT p.id, p.first_name, p.last_name, p.title, p.keywords, p.description,
       p.left_organization_on, p.created_at, p.updated_at,
       o.name AS organization_name, o.business_id,
       ARRAY(SELECT e.email FROM person_email e WHERE e.person = p.id ORDER BY e.position)
           AS emails,
       ARRAY(SELECT f.phone_e164 FROM person_phone f WHERE f.person = p.id ORDER BY f.position)
           AS phones
FROM person p LEFT JOIN organization o ON o.id = p.organization
WHERE p.merged_into IS NULL AND p.restricted_at IS NULL
ORDER BY p.sort_key, p.id
"""


async def person_rows(batch: int = 500) -> AsyncIterator[list[str]]:
    """Every card (departed ones too, with `left_on`), in Finnish alphabetical order. Cards
    under restriction of processing (core.restriction) are left out: an export is processing.

    A server-side cursor, so a large register streams instead of filling memory; it needs the
    caller's transaction to stay open while the rows are consumed.
    """
    conn = DB.current_connection()
    async for r in conn.cursor(_PERSONS_SQL, prefetch=batch):
        yield [
            str(r["id"]),
            r["first_name"],
            r["last_name"],
            ", ".join(r["emails"]),
            ", ".join(format_phone(p) for p in r["phones"]),
            r["title"],
            r["organization_name"] or "",
            r["business_id"] or "",
            ", ".join(r["keywords"] or []),
            r["description"],
            _day(r["left_organization_on"]),
            _moment(r["created_at"]),
            _moment(r["updated_at"]),
        ]


async def organization_rows(batch: int = 500) -> AsyncIterator[list[str]]:
    conn = DB.current_connection()
    async for r in conn.cursor("SELECT * FROM organization ORDER BY sort_key, id", prefetch=batch):
        yield [
            str(r["id"]),
            r["name"],
            r["business_id"] or "",
            r["vat_number"] or "",
            r["street_address"],
            r["postal_code"],
            r["city"],
            r["country"],
            r["einvoice_address"],
            r["einvoice_operator"],
            r["status"],
            _moment(r["created_at"]),
            _moment(r["updated_at"]),
        ]


# --- reading -------------------------------------------------------------------------------

# Header names people use, in search form (lower case, no diacritics), per field.
PERSON_HEADERS: dict[str, tuple[str, ...]] = {
    "first_name": ("first_name", "first name", "firstname", "given name", "etunimi", "fornamn"),
    "last_name": ("last_name", "last name", "lastname", "surname", "sukunimi", "efternamn"),
    "emails": ("emails", "email", "e-mail", "e-mails", "sahkoposti", "sahkopostit", "e-post"),
    "phones": (
        "phones",
        "phone",
        "telephone",
        "mobile",
        "puhelin",
        "puhelinnumero",
        "matkapuhelin",
        "telefon",
    ),
    "title": ("title", "role", "titteli", "nimike", "tehtava", "rooli", "titel"),
    "organization": (
        "organization",
        "organisation",
        "company",
        "organisaatio",
        "yritys",
        "foretag",
    ),
    "business_id": ("business_id", "business id", "y-tunnus", "ytunnus", "fo-nummer"),
    "keywords": ("keywords", "tags", "avainsanat", "nyckelord"),
    "description": ("description", "notes", "kuvaus", "lisatiedot", "beskrivning"),
}

ORGANIZATION_HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "organization", "organisation", "company", "nimi", "organisaatio", "namn"),
    "business_id": PERSON_HEADERS["business_id"],
    "street_address": ("street_address", "street address", "address", "katuosoite", "osoite"),
    "postal_code": ("postal_code", "postal code", "zip", "postcode", "postinumero", "postnummer"),
    "city": ("city", "town", "postitoimipaikka", "kaupunki", "paikkakunta", "ort", "stad"),
    "country": ("country", "maa", "land"),
    "einvoice_address": (
        "einvoice_address",
        "e-invoice address",
        "verkkolaskuosoite",
        "ovt",
        "ovt-tunnus",
    ),
    "einvoice_operator": (
        "einvoice_operator",
        "e-invoice operator",
        "operaattori",
        "valittaja",
        "verkkolaskuoperaattori",
    ),
    "status": ("status", "tila"),
}

REQUIRED = {"persons": ("first_name", "last_name"), "organizations": ("name",)}
_HEADERS = {"persons": PERSON_HEADERS, "organizations": ORGANIZATION_HEADERS}


class CsvFormatError(ValueError):
    """The file as a whole cannot be read; `code` says why, `detail` names what."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass
class CsvRow:
    line: int  # the line where the record starts (the header is line 1)
    values: dict[str, str]


@dataclass
class ParsedCsv:
    kind: str
    delimiter: str
    columns: list[str]  # the fields found, in file order
    ignored: list[str] = field(default_factory=list)  # header names that map to nothing
    rows: list[CsvRow] = field(default_factory=list)


def _header_key(name: str) -> str:
    return " ".join(search_form(name.replace("_", " ")).split())


def _alias_table(kind: str) -> dict[str, str]:
    table = {}
    for target, aliases in _HEADERS[kind].items():
        for alias in (target, *aliases):
            table[_header_key(alias)] = target
    return table


def unprotect(value: str) -> str:
    """Undo `neutralise`: an apostrophe before a formula character is dropped."""
    if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r":
        return value[1:]
    return value


def decode(data: bytes) -> str:
    if len(data) > MAX_IMPORT_BYTES:
        raise CsvFormatError("too_large", str(MAX_IMPORT_BYTES))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CsvFormatError("encoding", f"byte {exc.start}") from exc
    return text.removeprefix(BOM)


def sniff_delimiter(header_line: str) -> str:
    """`;` or `,` (or a tab): whichever splits the header row into more columns."""
    counts = {d: _split_count(header_line, d) for d in (";", ",", "\t")}
    best = max(counts.values())
    return next(d for d in (";", ",", "\t") if counts[d] == best)


def _split_count(line: str, delimiter: str) -> int:
    try:
        return len(next(csv.reader([line], delimiter=delimiter)))
    except (csv.Error, StopIteration):
        return 0


def parse(data: bytes, kind: str) -> ParsedCsv:
    """Read an uploaded file; raises CsvFormatError when the file as a whole is unusable."""
    if kind not in KINDS:
        raise CsvFormatError("unknown_kind", kind)
    text = decode(data)
    if "\x00" in text:
        raise CsvFormatError("not_csv")
    first_line = text.split("\n", 1)[0].strip("\r")
    if not first_line.strip():
        raise CsvFormatError("empty")
    delimiter = sniff_delimiter(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
        aliases = _alias_table(kind)
        targets: list[str | None] = []
        parsed = ParsedCsv(kind=kind, delimiter=delimiter, columns=[])
        for name in header:
            target = aliases.get(_header_key(name))
            if target is None or target in parsed.columns:
                if name.strip():
                    parsed.ignored.append(name.strip())
                targets.append(None)
            else:
                parsed.columns.append(target)
                targets.append(target)
        missing = [f for f in REQUIRED[kind] if f not in parsed.columns]
        if missing:
            raise CsvFormatError("missing_columns", ", ".join(missing))
        previous_end = reader.line_num
        for record in reader:
            line, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(parsed.rows) >= MAX_IMPORT_ROWS:
                raise CsvFormatError("too_many_rows", str(MAX_IMPORT_ROWS))
            values = {
                target: unprotect(cell.strip())
                for target, cell in zip(targets, record, strict=False)
                if target is not None
            }
            parsed.rows.append(CsvRow(line=line, values=values))
    except csv.Error as exc:
        raise CsvFormatError("malformed", f"line {reader.line_num}: {exc}") from exc
    except StopIteration as exc:
        raise CsvFormatError("empty") from exc
    if not parsed.rows:
        raise CsvFormatError("no_rows")
    return parsed


def header_example(kind: str) -> Sequence[str]:
    """The column names an import understands (the English ones; Finnish ones work too)."""
    return tuple(_HEADERS[kind])
