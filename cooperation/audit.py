"""The audit of role changes: every membership of a body, place in a secretariat, login linked
to a person and user's staff/superuser/active flag that is created, changed or deleted is
written to `RoleChange`, with who did it, when and from where.

Approvals, publications and corrections are `MeetingEvent`s (meetings/models.py), logins
`LoginAttempt`s (cooperation/security.py). Roles change in more places than one: the admin
(which also writes its own `LogEntry`), the secretariat's pages (setting up a working group
makes its memberships, `AgendaItem.establish_working_group`), management commands
(`createsuperuser`, `load_demo`) and the shell. So the record is made here, from the model
signals, whatever path saved the row, rather than by each caller that might forget: the one
exception to the project's "no signals" habit, because an audit that depends on every caller
remembering it is not one.

Who: `RoleChangeAuditMiddleware` keeps the current request in a context variable; the user
of that request is the actor and "METHOD /path" the source. Outside a request the actor is
empty and the source names the command (`manage.py createsuperuser`).

Not seen (documented in docs/security.md): `QuerySet.update()` and `bulk_create()`, which
send no signals; the application uses neither for these models (the benchmark's generator
writes its data with COPY).
"""

from __future__ import annotations

import contextvars
import sys
from collections.abc import Callable
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save, pre_save
from django.http import HttpRequest, HttpResponse

from .models import Membership, Person, RoleChange, StaffMembership

_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "role_change_request", default=None
)


class RoleChangeAuditMiddleware:
    """Makes the request (and so its user) known to the role-change audit while it runs."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)


def _who_and_where() -> tuple[object | None, str, str]:
    request = _request.get()
    if request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
        return actor, actor.get_username() if actor else "", f"{request.method} {request.path}"
    argv = sys.argv or ["python"]
    words = [Path(argv[0]).name, *[a for a in argv[1:2] if not a.startswith("-")]]
    return None, "", " ".join(words)


# The fields that make a role, per model (attnames), and the kind of record they give.
def _tracked() -> dict[type, tuple[str, list[str]]]:
    return {
        Membership: (
            RoleChange.Kind.MEMBERSHIP,
            ["person_id", "body_id", "role", "start", "end", "on_behalf_of_id", "is_lead"],
        ),
        StaffMembership: (RoleChange.Kind.STAFF, ["cooperation_id", "user_id", "role"]),
        Person: (RoleChange.Kind.LOGIN, ["user_id"]),
        get_user_model(): (RoleChange.Kind.USER, ["is_active", "is_staff", "is_superuser"]),
    }


def _snapshot(instance, fields: list[str]) -> dict:
    return {name: getattr(instance, name) for name in fields}


def _matters(instance, values: dict) -> bool:
    """Whether a row created or deleted with these values gives or takes a role: always for
    memberships and secretariat places; a person only with a login; a user only when staff
    or superuser (ordinary logins get their roles through the rows above)."""
    if isinstance(instance, Person):
        return values["user_id"] is not None
    if isinstance(instance, get_user_model()):
        return bool(values["is_staff"] or values["is_superuser"])
    return True


def _readable(model, values: dict) -> dict:
    """The values as the record keeps them: a foreign key as "name (id)", a date as ISO."""
    out = {}
    for attname, value in values.items():
        field = model._meta.get_field(attname.removesuffix("_id"))
        name = field.name
        if field.is_relation and value is not None:
            related = field.related_model._default_manager.filter(pk=value).first()
            value = f"{related} ({value})" if related is not None else f"#{value}"
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        out[name] = value
    return out


def _subject_and_scope(instance) -> tuple[str, str]:
    def safe(get):
        try:
            return str(get())
        except Exception:  # noqa: BLE001 - a row already gone in a cascade; the ids are kept
            return ""

    if isinstance(instance, Membership):
        return safe(lambda: instance.person), safe(lambda: instance.body)
    if isinstance(instance, StaffMembership):
        return safe(lambda: instance.user.get_username()), safe(lambda: instance.cooperation)
    if isinstance(instance, Person):
        return str(instance), safe(lambda: instance.cooperation)
    return instance.get_username(), ""


def _record(instance, action: str, before: dict, after: dict) -> None:
    kind, _fields = _tracked()[type(instance)]
    actor, actor_name, source = _who_and_where()
    subject, scope = _subject_and_scope(instance)
    model = type(instance)
    RoleChange.objects.create(
        actor=actor,
        actor_name=actor_name,
        source=source[:200],
        action=action,
        kind=kind,
        object_id=instance.pk,
        subject=subject[:200] or f"#{instance.pk}",
        scope=scope[:200],
        before=_readable(model, before),
        after=_readable(model, after),
    )


def _before_save(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    _kind, fields = _tracked()[sender]
    instance._role_before = None
    if instance._state.adding or instance.pk is None:
        return
    if update_fields is not None:
        names = {f.removesuffix("_id") for f in update_fields}
        if not names & {f.removesuffix("_id") for f in fields}:
            return  # e.g. the login's `last_login`: no role in it, and no query
    instance._role_before = sender._default_manager.filter(pk=instance.pk).values(*fields).first()


def _after_save(sender, instance, created, raw=False, **kwargs) -> None:
    _kind, fields = _tracked()[sender]
    before = getattr(instance, "_role_before", None)
    instance._role_before = None
    after = _snapshot(instance, fields)
    if created or before is None:
        if created and _matters(instance, after):
            _record(instance, RoleChange.Action.CREATED, {}, after)
        return
    changed = [name for name in fields if before[name] != after[name]]
    if changed:
        _record(
            instance,
            RoleChange.Action.CHANGED,
            {name: before[name] for name in changed},
            {name: after[name] for name in changed},
        )


def _after_delete(sender, instance, **kwargs) -> None:
    _kind, fields = _tracked()[sender]
    before = _snapshot(instance, fields)
    if _matters(instance, before):
        _record(instance, RoleChange.Action.DELETED, before, {})


def connect() -> None:
    """Called from CooperationConfig.ready()."""
    for model in _tracked():
        uid = f"role-change-audit-{model._meta.label_lower}"
        pre_save.connect(_before_save, sender=model, dispatch_uid=uid)
        post_save.connect(_after_save, sender=model, dispatch_uid=uid)
        post_delete.connect(_after_delete, sender=model, dispatch_uid=uid)
