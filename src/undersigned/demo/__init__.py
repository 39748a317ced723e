"""The demo site, put together from every app: the top layer, beside ``cli``.

``undersigned demo`` and ``manage.py load_demo`` load it; nothing below this package imports it.
"""
