"""The OParl 1.1 schemas as a jsonschema validator that really checks formats, and an API client.

The schemas live beside the repository (../shared/oparl-schema); without them the schema
tests skip locally and fail in CI.
"""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path

import jsonschema
import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.test import Client
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tests.conftest import skip_or_fail

SCHEMA = "https://schema.oparl.org/1.1/"
HOST = "moter.example.no"
API = f"http://{HOST}/oparl/v1/"

RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE
)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def schema_folder() -> Path:
    return Path(django_settings.BASE_DIR).parent / "shared" / "oparl-schema" / "schema"


def format_checker() -> jsonschema.FormatChecker:
    """`date-time`, `date` and OParl's `url`, checked for real.

    jsonschema lets `date-time` pass unchecked unless rfc3339-validator is installed, and it
    knows no `url` format at all: both are checked here with the standard library and
    Django's URLValidator.
    """
    checker = jsonschema.FormatChecker()

    @checker.checks("date-time", raises=ValueError)
    def is_date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not RFC3339.match(value):
            return False
        datetime.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
        return True

    @checker.checks("date", raises=ValueError)
    def is_date(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not DATE.match(value):
            return False
        datetime.date.fromisoformat(value)
        return True

    url = URLValidator(schemes=["http", "https"])

    @checker.checks("url", raises=ValidationError)
    def is_url(value: object) -> bool:
        if isinstance(value, str):
            url(value)
        return True

    return checker


class Schemas:
    """The twelve OParl schemas; `validate` checks an object by its own `type`."""

    def __init__(self, folder: Path) -> None:
        contents = {path.stem: json.loads(path.read_text()) for path in folder.glob("*.json")}
        registry = Registry()
        for name, schema in contents.items():
            resource = Resource.from_contents(schema, default_specification=DRAFT7)
            # "$ref": "File.json" resolves against the $id https://schema.oparl.org/1.1/Meeting.
            for uri in (f"{name}.json", f"{SCHEMA}{name}.json", f"{SCHEMA}{name}"):
                registry = registry.with_resource(uri, resource)
        self.checker = format_checker()
        self.validators = {
            name: jsonschema.Draft7Validator(schema, registry=registry, format_checker=self.checker)
            for name, schema in contents.items()
        }

    def validate(self, obj: dict) -> None:
        """Raises jsonschema.ValidationError; embedded objects are checked through $ref."""
        self.validators[obj["type"].removeprefix(SCHEMA)].validate(obj)


@pytest.fixture(scope="session")
def schemas() -> Schemas:
    folder = schema_folder()
    if not folder.is_dir():
        skip_or_fail(f"the OParl schemas are missing: {folder}")
    return Schemas(folder)


@pytest.fixture(autouse=True)
def _api_host(settings) -> None:
    # A host name with a dot, so that the URLs pass a real URL check ("testserver" would not).
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]


@pytest.fixture
def api() -> Client:
    return Client(HTTP_HOST=HOST)
