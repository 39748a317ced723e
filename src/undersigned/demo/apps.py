"""Django app configuration for ``undersigned.demo`` (it holds the ``load_demo`` command)."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "undersigned.demo"
    label = "demo"
    verbose_name = "Demo"
