"""The project's settings, unchanged but for one URL: the bare view that measures the floor."""

from cooperation.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
