#!/usr/bin/env python
"""Django's manage.py, for developers working from a checkout (operators use ``undersigned``)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "undersigned.config.settings.dev")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
