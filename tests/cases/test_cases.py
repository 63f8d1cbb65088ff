import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from cases.models import Case
from tests.factories import make_case, make_cooperation


@pytest.mark.django_db
def test_cases_get_the_next_reference_of_their_cooperation_and_year():
    coop, other = make_cooperation(), make_cooperation()
    first = make_case(coop, year=2020)
    second = make_case(coop, year=2020)
    elsewhere = make_case(other, year=2020)
    next_year = make_case(coop, year=2021)
    assert [first.reference, second.reference] == ["2020/1", "2020/2"]
    assert elsewhere.reference == "2020/1"
    assert next_year.reference == "2021/1"


@pytest.mark.django_db
def test_a_duplicate_case_reference_is_refused_by_the_database():
    coop = make_cooperation()
    make_case(coop, year=2020, sequence=48)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_case(coop, year=2020, sequence=48)


@pytest.mark.django_db
def test_an_exempt_case_without_a_legal_basis_is_refused_by_the_database():
    coop = make_cooperation()
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(
            cooperation=coop,
            year=2024,
            sequence=1,
            title="Ansettelse av direktør",
            public_title="Ansettelsessak",
            is_exempt=True,
        )


@pytest.mark.django_db
def test_an_exempt_case_without_a_public_title_is_refused_by_the_database():
    coop = make_cooperation()
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(
            cooperation=coop,
            year=2024,
            sequence=1,
            title="Ansettelse av direktør",
            is_exempt=True,
            exemption_basis="Offl. § 25",
        )


@pytest.mark.django_db
def test_an_exempt_case_without_legal_basis_gets_a_message_on_the_field():
    coop = make_cooperation()
    with pytest.raises(ValidationError) as error:
        Case.create_for(
            coop, title="Ansettelse av direktør", public_title="Ansettelsessak", is_exempt=True
        )
    assert "exemption_basis" in error.value.message_dict


@pytest.mark.django_db
def test_the_public_sees_the_public_title_of_an_exempt_case():
    coop = make_cooperation()
    case = make_case(
        coop,
        title="Ansettelse av direktør",
        public_title="Ansettelsessak",
        is_exempt=True,
        exemption_basis="Offl. § 25",
    )
    assert case.title_for_public == "Ansettelsessak"
    assert list(Case.objects.not_exempt()) == []


@pytest.mark.django_db
def test_a_case_refers_to_earlier_cases_one_way():
    coop = make_cooperation()
    earlier = make_case(coop, year=2020, sequence=33, title="Evaluering av profileringsarbeidet")
    later = make_case(coop, year=2020, sequence=48, title="Revidert mandat for faggruppen")
    later.references.add(earlier)
    assert list(later.references.all()) == [earlier]
    assert list(earlier.referenced_by.all()) == [later]
    assert list(earlier.references.all()) == []
