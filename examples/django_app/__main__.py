"""``python -m examples.django_app runserver`` (or any other manage.py command)."""

import sys

from django.core.management import execute_from_command_line

from examples.django_app import app  # noqa: F401 (configures Django)

execute_from_command_line(sys.argv)
