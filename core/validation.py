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
