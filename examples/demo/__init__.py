"""The websessions demo site: plain WSGI, two named sessions. See :mod:`examples.demo.app`."""

from .app import make_app
from .server import main
from .stores import make_cart_store, make_store

__all__ = ["main", "make_app", "make_cart_store", "make_store"]
