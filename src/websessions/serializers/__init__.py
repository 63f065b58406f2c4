"""Serializers: how session values become the bytes a codec signs."""

from .base import Serializer
from .default import DefaultSerializer
from .gorilla_json import JSONSerializer
from .registry import TypeRegistry, register

__all__ = ["DefaultSerializer", "JSONSerializer", "Serializer", "TypeRegistry", "register"]
