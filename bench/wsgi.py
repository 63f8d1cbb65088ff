"""WSGI entry point of the floor server: the project's settings and middleware, plus
`/bench/ok` answering HttpResponse("ok"). The app itself is served from
`cooperation.wsgi:application`, untouched."""

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
application = get_wsgi_application()
