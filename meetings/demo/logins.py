"""The demo logins, all with the password `demo`; created only when settings.DEMO_MODE is on."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from cooperation.models import Cooperation, Person, StaffMembership

from . import DEMO_PASSWORD, OSLOREGIONEN, OSTLANDSSAMARBEIDET
from .osloregionen import CHAIR_LOGIN_PERSON, MEMBER_LOGIN_PERSON

# (username, the cooperation whose secretariat it belongs to, who it is)
SECRETARIES = [
    ("sekretar", OSLOREGIONEN, "sekretariatet i Osloregionen"),
    ("sekretar2", OSTLANDSSAMARBEIDET, "sekretariatet i Østlandssamarbeidet"),
]
# (username, the Person in Osloregionen it logs in as, who it is)
PEOPLE = [
    ("medlem", MEMBER_LOGIN_PERSON, "medlem av Faggruppe for næringssamarbeid og Styret"),
    ("leder", CHAIR_LOGIN_PERSON, "leder av Faggruppe for næringssamarbeid"),
]


def ensure_user(username: str, *, first_name: str = "", last_name: str = "", superuser=False):
    """Create the user or put it back as the demo expects it, password included."""
    user, _created = get_user_model().objects.get_or_create(username=username)
    user.first_name = first_name
    user.last_name = last_name
    user.is_active = True
    user.is_staff = superuser
    user.is_superuser = superuser
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def ensure_secretary(cooperation: Cooperation, username: str):
    """A demo secretary on the staff of one cooperation."""
    user = ensure_user(username, first_name="Sekretær", last_name=cooperation.name)
    StaffMembership.objects.get_or_create(cooperation=cooperation, user=user)
    return user


def ensure_logins() -> list[tuple[str, str]]:
    """Create or repair every demo login; returns (username, who it is) for the summary."""
    logins = []
    for username, slug, description in SECRETARIES:
        cooperation = Cooperation.objects.filter(slug=slug).first()
        if cooperation:
            ensure_secretary(cooperation, username)
            logins.append((username, description))
    oslo = Cooperation.objects.filter(slug=OSLOREGIONEN).first()
    for username, name, description in PEOPLE:
        someone = Person.objects.filter(cooperation=oslo, name=name).first()
        if someone is None:
            continue
        first_name, _space, last_name = name.rpartition(" ")
        user = ensure_user(username, first_name=first_name, last_name=last_name)
        Person.objects.filter(user=user).exclude(pk=someone.pk).update(user=None)
        someone.user = user
        someone.save(update_fields=["user", "modified"])
        logins.append((username, f"{name}, {description}"))
    ensure_user("admin", superuser=True)
    logins.append(("admin", "superbruker"))
    return logins
