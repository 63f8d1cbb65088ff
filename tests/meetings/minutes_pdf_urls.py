"""The project's URLs plus the minutes PDF download, until meetings/urls.py routes it."""

from django.urls import path

from cooperation.urls import urlpatterns as project_urlpatterns
from meetings.views import documents

urlpatterns = [
    path("moter/<int:pk>/referat.pdf", documents.minutes_pdf, name="minutes_pdf"),
    *project_urlpatterns,
]
