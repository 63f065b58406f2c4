"""The websessions demo site: plain WSGI, sessions in files. See :mod:`examples.demo.app`."""

from .app import main, make_app, make_store

__all__ = ["main", "make_app", "make_store"]
