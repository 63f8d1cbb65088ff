"""Validators for Norwegian identifiers."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ORG_NUMBER_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def org_number_check_digit(first_eight: str) -> int | None:
    """The mod-11 check digit of a Norwegian organisation number, or None if none exists."""
    remainder = sum(int(d) * w for d, w in zip(first_eight, ORG_NUMBER_WEIGHTS, strict=True)) % 11
    check = 11 - remainder
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def validate_org_number(value: str) -> None:
    """Nine digits whose last is the mod-11 check digit of the first eight (Brønnøysund)."""
    if len(value) != 9 or not value.isdigit():
        raise ValidationError(
            _("An organisation number has exactly nine digits."), code="org_number_format"
        )
    if org_number_check_digit(value[:8]) != int(value[8]):
        raise ValidationError(
            _("%(value)s is not a valid organisation number (the check digit is wrong)."),
            code="org_number_checksum",
            params={"value": value},
        )
