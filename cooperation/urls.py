from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from meetings import search_views

from . import views
from .security import ThrottledAuthenticationForm

urlpatterns = [
    path("", include("meetings.urls")),
    path("sok/", search_views.search, name="search"),
    path("oparl/v1/", include("meetings.oparl.urls")),
    path("healthz", views.healthz, name="healthz"),
    path(
        "konto/logg-inn/",
        auth_views.LoginView.as_view(authentication_form=ThrottledAuthenticationForm),
        name="login",
    ),
    path("konto/logg-ut/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
# Media files are never served directly: attachments go through views that check access.
