"""Field checks shared by the customer-data records (contact history, feedback, preferences,
comments, orders, payments, seller contacts).

Each check adds `(code, English explanation)` under the field's name to `errors` and returns the
clean value, so a service collects every mistake of a form in one go and raises one
ValidationFailed. Values may come typed (date, Decimal, datetime) or as the text a form sent.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from babel.numbers import is_currency

# Dates typed without a time, and times typed without a zone, are the register's local time.
LOCAL_TIMEZONE = ZoneInfo("Europe/Helsinki")
AMOUNT_MAX = Decimal("999999999999.99")  # numeric(14, 2)
_CURRENCY = re.compile(r"^[A-Z]{3}$")

Errors = dict[str, tuple[str, str]]


def today() -> dt.date:
    return dt.datetime.now(LOCAL_TIMEZONE).date()


def text(errors: Errors, name: str, raw: object, *, max_len: int, required: bool = False) -> str:
    value = str(raw or "").strip()
    if required and not value:
        errors[name] = ("required", f"{name} is required")
    elif len(value) > max_len:
        errors[name] = ("too_long", f"{name} may be at most {max_len} characters")
    return value


def choice(errors: Errors, name: str, raw: object, choices: tuple[str, ...]) -> str:
    value = str(raw or "").strip()
    if not value:
        errors[name] = ("required", f"choose one of {', '.join(choices)}")
    elif value not in choices:
        errors[name] = ("invalid", f"{value!r} is not one of {', '.join(choices)}")
    return value


def _parse_day(raw: str) -> dt.date | None:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    return None


def day(
    errors: Errors, name: str, raw: dt.date | str | None, *, default_today: bool = True
) -> dt.date | None:
    """A date (ISO or Finnish d.m.yyyy); empty is today (or None). Never in the future: these
    records say what already happened."""
    if isinstance(raw, dt.datetime):
        raw = raw.date()
    if isinstance(raw, dt.date):
        value: dt.date | None = raw
    elif not str(raw or "").strip():
        return today() if default_today else None
    else:
        value = _parse_day(str(raw).strip())
        if value is None:
            errors[name] = ("invalid", f"{raw!r} is not a date")
            return None
    if value is not None and value > today():
        errors[name] = ("future", f"{name} cannot be in the future")
    return value


def moment(errors: Errors, name: str, raw: dt.datetime | str | None) -> dt.datetime:
    """A point in time: a datetime, or `2026-03-01T14:30` / `1.3.2026 14.30` / a date typed in
    local time; empty is now. At most a day ahead (clock skew), never further."""
    now = dt.datetime.now(LOCAL_TIMEZONE)
    if isinstance(raw, dt.datetime):
        value = raw if raw.tzinfo else raw.replace(tzinfo=LOCAL_TIMEZONE)
    elif not str(raw or "").strip():
        return now
    else:
        typed = str(raw).strip()
        parsed = None
        for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d.%m.%Y %H.%M", "%d.%m.%Y %H:%M"):
            try:
                parsed = dt.datetime.strptime(typed, pattern)
                break
            except ValueError:
                continue
        if parsed is None and (only_day := _parse_day(typed)) is not None:
            parsed = dt.datetime.combine(only_day, dt.time(12, 0))
        if parsed is None:
            errors[name] = ("invalid", f"{raw!r} is not a date and time")
            return now
        value = parsed.replace(tzinfo=LOCAL_TIMEZONE)
    if value > now + dt.timedelta(days=1):
        errors[name] = ("future", f"{name} cannot be in the future")
    return value


def amount(errors: Errors, name: str, raw: Decimal | int | str | None) -> Decimal:
    """A sum of money ≥ 0 with at most two decimals; `1 234,50` and `1234.5` both work."""
    if isinstance(raw, Decimal | int):
        value = Decimal(raw)
    else:
        typed = str(raw or "").strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
        if not typed:
            errors[name] = ("required", f"{name} is required")
            return Decimal("0")
        try:
            value = Decimal(typed)
        except InvalidOperation:
            errors[name] = ("invalid", f"{raw!r} is not an amount")
            return Decimal("0")
    if not value.is_finite():
        errors[name] = ("invalid", f"{raw!r} is not an amount")
    elif value < 0:
        errors[name] = ("negative", f"{name} cannot be negative")
    elif value > AMOUNT_MAX:
        errors[name] = ("too_large", f"{name} may be at most {AMOUNT_MAX}")
    elif value != value.quantize(Decimal("0.01")):
        errors[name] = ("too_precise", f"{name} may have at most two decimals")
    else:
        return value.quantize(Decimal("0.01"))
    return Decimal("0")


def currency(errors: Errors, name: str, raw: str | None) -> str:
    """An ISO 4217 code (EUR, SEK, USD, …); empty is EUR."""
    value = str(raw or "").strip().upper() or "EUR"
    if not _CURRENCY.match(value) or not is_currency(value):
        errors[name] = ("invalid", f"{raw!r} is not an ISO 4217 currency code")
    return value
