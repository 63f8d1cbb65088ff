"""The bare view (the framework's floor on this machine), then the project's own URLs."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from cooperation.urls import urlpatterns as project_urlpatterns


def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("bench/ok", ok, name="bench_ok"), *project_urlpatterns]
