"""Validation errors that name the field and say what to fix; used by forms and the API alike."""

from __future__ import annotations

from stdnum import exceptions as stdnum_errors
from stdnum.fi import ytunnus


class ValidationFailed(ValueError):
    """One or more fields are invalid. `errors` maps field → (code, English explanation)."""

    def __init__(self, errors: dict[str, tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{f}: {msg}" for f, (_, msg) in errors.items()))


def normalise_business_id(raw: str | None) -> str | None:
    """Canonical Y-tunnus `1234567-1`; old 6-digit IDs are padded. Raises ValidationFailed."""
    if raw is None or not raw.strip():
        return None
    value = raw.strip().replace(" ", "")
    digits = value.replace("-", "")
    if digits.isdigit() and len(digits) == 7:  # old form: 6 digits + check digit
        digits = "0" + digits
    try:
        return ytunnus.format(ytunnus.validate(digits))
    except stdnum_errors.InvalidChecksum as exc:
        raise ValidationFailed(
            {
                "business_id": (
                    "invalid_check_digit",
                    f"the check digit of {raw!r} does not match; check the number",
                )
            }
        ) from exc
    except stdnum_errors.ValidationError as exc:
        raise ValidationFailed(
            {"business_id": ("invalid_format", f"{raw!r} is not a Y-tunnus (format 1234567-1)")}
        ) from exc


def normalise_email(raw: str) -> tuple[str, str]:
    """(address as the user wrote it, cleaned; lower-case form for matching)."""
    from email_validator import EmailNotValidError, validate_email

    value = (raw or "").strip()
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValidationFailed({"emails": ("invalid", f"{value!r}: {exc}")}) from exc
    return result.normalized, result.normalized.casefold()


def normalise_phone(raw: str, region: str = "FI") -> str:
    """E.164 (+358401234567). National numbers are read as Finnish; Åland (+358 18) works."""
    import phonenumbers

    value = (raw or "").strip()
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationFailed({"phones": ("invalid", f"{value!r} is not a phone number")}) from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationFailed(
            {"phones": ("invalid", f"{value!r} is not a valid phone number; check the digits")}
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def looks_like_phone(text: str) -> bool:
    digits = sum(ch.isdigit() for ch in text)
    return digits >= 5 and all(ch.isdigit() or ch in "+-() ./" for ch in text.strip())


def vat_number(business_id: str | None) -> str | None:
    """The Finnish VAT number derived from a Y-tunnus: FI + the eight digits."""
    return f"FI{business_id.replace('-', '')}" if business_id else None
