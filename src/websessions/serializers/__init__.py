"""Serializers: how session values become the bytes a codec signs."""

from .base import Serializer
from .default import DefaultSerializer
from .gob import GobSerializer, gob_register
from .gorilla_json import JSONSerializer
from .pickle import PickleSerializer
from .registry import TypeRegistry, register

__all__ = [
    "DefaultSerializer",
    "GobSerializer",
    "JSONSerializer",
    "PickleSerializer",
    "Serializer",
    "TypeRegistry",
    "gob_register",
    "register",
]
