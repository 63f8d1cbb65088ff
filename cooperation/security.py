"""Sessions and logins: throttling, the audit of attempts, idle and absolute timeouts."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import LoginAttempt

# A username gets five tries a quarter of an hour; an address twenty (many people share one).
WINDOW = datetime.timedelta(minutes=15)
MAX_FAILURES_PER_USERNAME = 5
MAX_FAILURES_PER_IP = 20
# Staff sessions end after 30 idle minutes and, whatever happens, 12 hours after the login.
STAFF_IDLE = datetime.timedelta(minutes=30)
ABSOLUTE = datetime.timedelta(hours=12)


def client_ip(request: HttpRequest) -> str | None:
    # Behind the reverse proxy REMOTE_ADDR is the proxy; the proxy must set REMOTE_ADDR
    # correctly (see docs/operations.md) — X-Forwarded-For is not trusted here.
    return request.META.get("REMOTE_ADDR") or None


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's login form that refuses further tries after repeated failures."""

    def clean(self):
        # As typed, but without null characters, which PostgreSQL cannot store or compare
        # (the username field itself refuses them with a message).
        username = (self.data.get("username") or "").replace("\x00", "")[:150]
        ip = client_ip(self.request) if self.request else None
        since = timezone.now() - WINDOW
        failures = LoginAttempt.objects.failed_since(since)
        if failures.filter(username__iexact=username).count() >= MAX_FAILURES_PER_USERNAME or (
            ip and failures.filter(ip=ip).count() >= MAX_FAILURES_PER_IP
        ):
            LoginAttempt.objects.create(username=username, ip=ip, succeeded=False)
            raise forms.ValidationError(
                _("Too many failed attempts. Wait a quarter of an hour and try again."),
                code="throttled",
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            LoginAttempt.objects.create(username=username, ip=ip, succeeded=False)
            raise
        if self.user_cache is None:
            # A field was refused (empty, or with a null character): nobody logged in.
            LoginAttempt.objects.create(username=username, ip=ip, succeeded=False)
            return cleaned
        LoginAttempt.objects.create(username=username, ip=ip, succeeded=True)
        if self.request is not None:
            self.request.session["login_at"] = timezone.now().isoformat()
        return cleaned


class SessionTimeoutMiddleware:
    """Log staff out after 30 idle minutes, and everyone 12 hours after logging in."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = timezone.now()
            session = request.session
            login_at = _moment(session.get("login_at")) or now
            last_seen = _moment(session.get("last_seen")) or now
            # Whether the user works in a secretariat is read once per session: a role given
            # or taken away applies from the next login.
            if "staff_session" not in session:
                session["staff_session"] = bool(
                    user.is_superuser or user.is_staff or user.staff_memberships.exists()
                )
            is_staff = session["staff_session"]
            idle_expired = is_staff and now - last_seen > STAFF_IDLE
            if idle_expired or now - login_at > ABSOLUTE:
                logout(request)
                messages.info(request, _("You were logged out after a period without activity."))
                return redirect_to_login(request.get_full_path())
            session.setdefault("login_at", login_at.isoformat())
            # Written at most once a minute, so reading pages does not write the session.
            if now - last_seen > datetime.timedelta(minutes=1) or "last_seen" not in session:
                session["last_seen"] = now.isoformat()
        return self.get_response(request)


def _moment(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    try:
        return datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
