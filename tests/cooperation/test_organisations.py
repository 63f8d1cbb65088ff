import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cooperation.models import Organisation
from cooperation.validators import org_number_check_digit, validate_org_number
from tests.factories import make_cooperation, make_organisation


@pytest.mark.parametrize("number", ["958935420", "974760673", "971524960"])
def test_real_organisation_numbers_pass_the_mod11_check(number):
    validate_org_number(number)


@pytest.mark.parametrize("number", ["958935421", "974760670", "123456789"])
def test_a_wrong_check_digit_is_refused_with_a_message(number):
    with pytest.raises(ValidationError) as error:
        validate_org_number(number)
    assert error.value.code == "org_number_checksum"


@pytest.mark.parametrize("number", ["95893542", "9589354200", "95893542A", "958 935 420"])
def test_anything_but_nine_digits_is_refused(number):
    with pytest.raises(ValidationError) as error:
        validate_org_number(number)
    assert error.value.code == "org_number_format"


def test_a_remainder_of_one_has_no_valid_check_digit():
    # 3*1 + 2*0 + ... chosen so that the weighted sum is 1 mod 11: no number can end it.
    prefixes = [f"{n:08d}" for n in range(10000000, 10000200)]
    assert any(org_number_check_digit(p) is None for p in prefixes)
    for prefix in prefixes:
        digit = org_number_check_digit(prefix)
        if digit is None:
            for last in range(10):
                with pytest.raises(ValidationError):
                    validate_org_number(prefix + str(last))
            break


@pytest.mark.django_db
def test_full_clean_refuses_an_invalid_organisation_number():
    coop = make_cooperation()
    organisation = Organisation(
        cooperation=coop, name="Lunner kommune", kind="municipality", org_number="958935421"
    )
    with pytest.raises(ValidationError) as error:
        organisation.full_clean()
    assert "org_number" in error.value.message_dict


@pytest.mark.django_db
def test_the_database_refuses_an_organisation_number_that_is_not_nine_digits():
    coop = make_cooperation()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_organisation(coop, org_number="12345")


@pytest.mark.django_db
def test_the_same_organisation_number_twice_in_a_cooperation_is_refused():
    coop = make_cooperation()
    make_organisation(coop, name="Oslo kommune", org_number="958935420")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_organisation(coop, name="Oslo kommune (kopi)", org_number="958935420")


@pytest.mark.django_db
def test_many_organisations_may_have_no_number():
    coop = make_cooperation()
    make_organisation(coop, name="Gardemoregionen", kind="regional_council")
    make_organisation(coop, name="Folloregionen", kind="regional_council")
    assert Organisation.objects.filter(org_number="").count() == 2


@pytest.mark.django_db
def test_a_municipality_can_be_part_of_a_regional_council():
    coop = make_cooperation()
    hadeland = make_organisation(coop, name="Regionrådet for Hadeland", kind="regional_council")
    lunner = make_organisation(coop, name="Lunner kommune", part_of=hadeland)
    assert list(hadeland.parts.all()) == [lunner]
