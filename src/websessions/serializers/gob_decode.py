"""Reading a gob stream, as Go's ``gob.NewDecoder(r).Decode(&v)`` does, safely.

The input is untrusted (a verified cookie can still come from a leaked key,
a stored record from a compromised disk), so every step is bounded: each
count is checked against the bytes left before anything is allocated,
each element consumes at least one byte (linear time), nesting is capped at
``MAX_DEPTH``, and every failure is a :class:`~websessions.DeserializeFailed`.

Values of the types a session holds (strings, ints, floats, bools, nil,
``[]interface {}``, ``map[string]interface {}``, ``map[interface {}]
interface {}``) take fast paths that hand over to the general code at the
first byte out of the ordinary, at a point where both have read the same:
the results, the errors and the bounds are those of the general code.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import DeserializeFailed, UsageError
from .gob_registry import GobRegistry, GobStruct
from .gob_stream import (
    _BASIC_BY_ID,
    _FLOAT32_MAX,
    _MAX_TYPES,
    FIRST_USER_ID,
    MAP_ANY_SHAPE,
    MAP_STR_SHAPE,
    SLICE_ANY_SHAPE,
    Stream,
    _Wire,
    fail,
)
from .gob_time import EPOCH as _EPOCH
from .gob_time import time_from_binary
from .gob_types import (
    BOOL,
    BYTES,
    FLOAT64,
    INT,
    INT_TYPES,
    MAP_ANY_ANY,
    MAP_STR_ANY,
    MAX_DEPTH,
    MAX_NAME,
    SLICE_ANY,
    STRING,
    Complex64,
    Float32,
    GoMap,
    GoSlice,
    GoType,
    Kind,
    _BadType,
    map_of,
    slice_of,
)

T = TypeVar("T")


class Decoder(Stream):
    """Values, guided by the Go type each must be (from its interface name)."""

    __slots__ = ("known", "padded", "str_maps")

    def __init__(self, data: bytes, registry: GobRegistry) -> None:
        # Stream.__init__, inlined.
        self.data = data
        self.registry = registry
        self.pos = 0
        self.end = 0
        self.depth = 0
        self.wire: dict[int, _Wire] = {}
        # The data and some zeros: the fast paths look ahead (up to a length
        # byte past a position within the message) before checking the end.
        self.padded = data + _PADDING
        # Interface values' names and ids (bytes) known to be a slice or map type.
        self.known: dict[bytes, tuple[int, GoType, int]] = {}
        self.str_maps: set[bytes] = set()  # those of map[string]interface {}

    # -- values ----------------------------------------------------------

    def decode(self) -> Any:
        """The top-level value: what ``dec.Decode(&v)`` reads."""
        data = self.data
        if data[:_SESSION_SIZE] == _SESSION_START:
            # A session: its first message defines type 65 as what Go writes
            # for session.Values, map[interface {}]interface {}.
            self.wire[65] = _SESSION_WIRE
            self.pos = self.end = _SESSION_SIZE
            value = self.session()
            if value is not None:
                return value
            tid = self.type_sequence(False)
            if tid == 65:
                return self.contents(65, MAP_ANY_ANY)  # wrap() keeps it as it is
        else:
            tid = self.type_sequence(False)
        gotype = self.derive(tid, 0)
        return self.wrap(self.contents(tid, gotype), gotype, top=True)

    def session(self) -> dict[Any, Any] | None:
        """The session's entries if its message starts as usual, else None (nothing read)."""
        data = self.data
        size = len(data)
        q = _SESSION_SIZE + 1
        if q + 4 > size:
            return None
        m = data[q - 1]  # the message's length
        if m >= 0x80:
            k = 256 - m
            if k > 8 or q + k > size:
                return None
            m = int.from_bytes(data[q : q + k], "big")
            q += k
        end = q + m
        if (
            end > size
            or q + 4 > end
            or data[q : q + 3] != b"\xff\x82\x00"  # type 65, singleton delta
            or (n := data[q + 3]) >= 0x80
            or 2 * n > size - q - 4
        ):
            return None
        self.end = end
        self.pos = q + 4
        self.depth = 1
        value = self.map_any(n)
        self.depth = 0
        return value

    def derive(self, tid: int, depth: int) -> GoType:
        """A Go type for a wire type (top level only: there is no name to go by)."""
        if depth > MAX_DEPTH:
            fail("type nested too deeply")
        if tid in _BASIC_BY_ID:
            return self.registry.named(_BASIC_BY_ID[tid])
        wire = self.wire.get(tid)
        if wire is None:
            fail(f"undefined type id {tid}")
        if wire.kind is Kind.SLICE:
            if wire.elem == 8 and depth < MAX_DEPTH:
                return SLICE_ANY
            return slice_of(self.derive(wire.elem, depth + 1))
        if wire.kind is Kind.ARRAY:
            elem = self.derive(wire.elem, depth + 1)
            return GoType(f"[{wire.length}]{elem.name}", Kind.ARRAY, elem=elem, length=wire.length)
        if wire.kind is Kind.MAP:
            if wire.elem == 8 and wire.key in {6, 8} and depth < MAX_DEPTH:
                return MAP_ANY_ANY if wire.key == 8 else MAP_STR_ANY
            try:
                return map_of(self.derive(wire.key, depth + 1), self.derive(wire.elem, depth + 1))
            except _BadType as exc:
                fail(str(exc))
        kind = wire.kind.name.lower()
        raise DeserializeFailed(
            f"gob: cannot decode a top-level {kind} {wire.name!r} without its Go type"
        )

    def contents(self, tid: int, gotype: GoType) -> Any:
        """A value of ``gotype`` as a message body: a struct, or a singleton field."""
        if gotype.kind is Kind.STRUCT:
            return self.struct(tid, gotype)
        if self.uint() != 0:
            fail("corrupted data: non-zero delta for a singleton")
        return self.value(tid, gotype)

    def value(self, tid: int, gotype: GoType) -> Any:
        kind = gotype.kind
        if kind < Kind.ARRAY:
            if tid != kind:
                self.mismatch(tid, gotype)
            if kind is Kind.STRING:
                return self.string()
            if kind is Kind.INT:
                value = self.sint()
                if gotype.bits < 64 and not -(1 << (gotype.bits - 1)) <= value < 1 << (
                    gotype.bits - 1
                ):
                    fail(f"value {value} out of range for {gotype.name}")
                return value
            if kind is Kind.INTERFACE:
                return self.interface()
            if kind is Kind.BOOL:
                return self.uint() != 0
            if kind is Kind.UINT:
                value = self.uint()
                if gotype.bits < 64 and value >> gotype.bits:
                    fail(f"value {value} out of range for {gotype.name}")
                return value
            if kind is Kind.FLOAT:
                return self.float32(self.f64()) if gotype.bits == 32 else self.f64()
            if kind is Kind.BYTES:
                return self.raw()
            return complex(self.f64(), self.f64())  # COMPLEX
        self.depth += 1
        if self.depth > MAX_DEPTH:
            fail(f"value nested deeper than {MAX_DEPTH} levels")
        try:
            if kind is Kind.TIME:
                self.wire_of(tid, Kind.TIME, gotype)
                return time_from_binary(self.raw())
            if kind is Kind.STRUCT:
                return self.struct(tid, gotype)
            elem = gotype.elem
            assert elem is not None
            if kind is Kind.MAP:
                wire = self.wire_of(tid, Kind.MAP, gotype)
                key = gotype.key
                assert key is not None
                n = self.count(2)
                if (
                    wire.elem == 8
                    and elem.kind is Kind.INTERFACE
                    and (wire.key, key.kind) in _FAST_MAPS
                ):
                    return (self.map_any if wire.key == 8 else self.map_str)(n)  # as below
                result = {}
                for _ in range(n):
                    k = self.value(wire.key, key)
                    v = self.value(wire.elem, elem)
                    try:
                        result[k] = v
                    except TypeError:
                        fail(f"map key {k!r:.40} is not hashable in Python")
                return result
            if kind is Kind.ARRAY:
                wire = self.wire_of(tid, Kind.ARRAY, gotype)
                if wire.length != gotype.length or self.count() != wire.length:
                    fail(f"array length mismatch for {gotype.name}")
                items = [self.value(wire.elem, elem) for _ in range(wire.length)]
                return bytes(items) if elem.name == "uint8" else items
            wire = self.wire_of(tid, Kind.SLICE, gotype)
            if wire.elem == 8 and elem.kind is Kind.INTERFACE:
                return self.slice_any(self.count())
            return [self.value(wire.elem, elem) for _ in range(self.count())]
        finally:
            self.depth -= 1

    def float32(self, value: float) -> float:
        if _FLOAT32_MAX < abs(value) < float("inf"):
            fail(f"value {value} out of range for float32")
        return value

    # -- the fast paths ---------------------------------------------------
    #
    # An interface value is the Go type's name, its type id (maybe after type
    # definitions), the value's byte count, a singleton's field delta 0, then
    # the value. For the plain types a session holds, the fast paths below
    # check those bytes against the common case and read the value; at the
    # first byte that differs they hand over to the general path at a point
    # where both have read the same bytes the same way, so results and errors
    # are the same. Strings and small ints inside maps and slices are read
    # in the loops themselves, with the position in a local. Offsets are
    # computed once and reused (a position is a new int object each time),
    # with small terms summed first (pos + (1 + n)): ints up to 256 are
    # shared, so that makes one new int, not two.

    # Entries of session maps read before are looked up whole: the bytes of a
    # key and of the head of its value (the value's type name, id, byte count
    # and delta, then a string's length, a one-byte int, or a float's first
    # byte) give the key and what is left to read. Session keys and the keys
    # of nested maps repeat from map to map and from cookie to cookie. Only
    # bytes that an entry's careful reading (any_entry, str_entry) accepted
    # are cached, with what it read from them: a hit reads as it would.

    def map_any(self, n: int) -> dict[Any, Any]:
        """The ``n`` (counted) entries of a map[interface {}]interface {}."""
        data = self.padded
        end = self.end
        pos = self.pos
        entries = _ANY_ENTRIES
        result: dict[Any, Any] = {}
        for _ in range(n):
            r = pos + (11 + data[pos + 10])  # after the key, if a string of < 0x80 bytes
            c = data[r]  # the length of the value's type name
            if c == 6:
                if (hit := entries.get(data[pos : (s := r + 11)])) is not None:
                    k, size = hit
                    if (q := r + size) <= end:
                        try:
                            result[k] = data[s:q].decode()
                        except UnicodeDecodeError:
                            result[k] = data[s:q].decode("utf-8", "surrogateescape")
                        pos = q
                        continue
            elif c == 3 and (q := r + 8) <= end and (hit := entries.get(data[pos:q])) is not None:
                k, result[k] = hit
                pos = q
                continue
            self.pos = pos
            self.any_entry(result)
            pos = self.pos
            end = self.end
        self.pos = pos
        return result

    def any_entry(self, result: dict[Any, Any]) -> None:
        """One entry of a map[interface {}]interface {}, read into ``result``."""
        data = self.padded
        end = self.end
        pos = start = self.pos
        heads = _STR_HEADS
        keys = _KEYS
        k: Any
        v: Any
        size = data[pos + 10]
        r = pos + 11 + size
        cache = size <= _CACHED_KEY
        if (k := keys.get(data[pos:r])) is not None and r <= end:
            pos = r
        elif data[pos : pos + 11] == heads[size] and r <= end:
            try:
                k = data[pos + 11 : r].decode()
            except UnicodeDecodeError:
                k = data[pos + 11 : r].decode("utf-8", "surrogateescape")
            if cache:
                _remember(keys, data[pos:r], k)
            pos = r
        else:
            cache = False
            self.pos = pos
            k = self.interface()
            pos = self.pos
            end = self.end
        c = data[pos]  # the length of the value's type name
        if (
            c == 6
            and data[pos : pos + 11] == heads[size := data[pos + 10]]
            and (r := pos + 11 + size) <= end
        ):
            try:
                v = data[pos + 11 : r].decode()
            except UnicodeDecodeError:
                v = data[pos + 11 : r].decode("utf-8", "surrogateescape")
            if cache:
                _remember(_ANY_ENTRIES, data[start : pos + 11], (k, 11 + size))
            pos = r
        elif (
            c == 3
            and data[pos : pos + 7] == _INT_HEAD
            and (u := data[pos + 7]) < 0x80
            and pos < end - 7
        ):
            v = ~(u >> 1) if u & 1 else u >> 1
            if cache:
                _remember(_ANY_ENTRIES, data[start : pos + 8], (k, v))
            pos += 8
        else:
            self.pos = pos
            v = self.interface()
            pos = self.pos
        try:
            result[k] = v
        except TypeError:
            fail(f"map key {k!r:.40} is not hashable in Python")
        self.pos = pos

    def map_str(self, n: int) -> dict[str, Any]:
        """The ``n`` (counted) entries of a map[string]interface {}."""
        data = self.padded
        end = self.end
        pos = self.pos
        entries = _STR_ENTRIES
        result: dict[str, Any] = {}
        for _ in range(n):
            r = pos + (1 + data[pos])  # after the key, if it is < 0x80 bytes
            c = data[r]  # the length of the value's type name
            if c == 6:
                if (hit := entries.get(data[pos : (s := r + 11)])) is not None:
                    k, size = hit
                    if (q := r + size) <= end:
                        try:
                            result[k] = data[s:q].decode()
                        except UnicodeDecodeError:
                            result[k] = data[s:q].decode("utf-8", "surrogateescape")
                        pos = q
                        continue
            elif c == 3:
                if (q := r + 8) <= end and (hit := entries.get(data[pos:q])) is not None:
                    k, result[k] = hit
                    pos = q
                    continue
            elif c == 7 and (hit := entries.get(data[pos : (s := r + 12)])) is not None:
                k, size, zeros = hit
                if (q := r + size) <= end:
                    result[k] = _UNPACK_DOUBLE(zeros + data[s:q])[0]
                    pos = q
                    continue
            self.pos = pos
            self.str_entry(result)
            pos = self.pos
            end = self.end
        self.pos = pos
        return result

    def str_entry(self, result: dict[str, Any]) -> None:
        """One entry of a map[string]interface {}, read into ``result``."""
        data = self.padded
        end = self.end
        pos = start = self.pos
        heads = _STR_HEADS
        names = _NAMES
        size = data[pos]  # a string, not in an interface
        r = pos + 1 + size
        cache = size <= _CACHED_KEY
        if (k := names.get(data[pos:r])) is not None and r <= end:
            pos = r
        elif size < 0x80 and r <= end:
            try:
                k = data[pos + 1 : r].decode()
            except UnicodeDecodeError:
                k = data[pos + 1 : r].decode("utf-8", "surrogateescape")
            if cache:
                _remember(names, data[pos:r], k)
            pos = r
        else:
            cache = False
            self.pos = pos
            k = self.string()
            pos = self.pos
        size = data[pos + 10]
        if data[pos : pos + 11] == heads[size] and (r := pos + 11 + size) <= end:
            try:
                result[k] = data[pos + 11 : r].decode()
            except UnicodeDecodeError:
                result[k] = data[pos + 11 : r].decode("utf-8", "surrogateescape")
            if cache:
                _remember(_STR_ENTRIES, data[start : pos + 11], (k, 11 + size))
            self.pos = r
        elif data[pos : pos + 7] == _INT_HEAD and (u := data[pos + 7]) < 0x80 and pos < end - 7:
            result[k] = v = ~(u >> 1) if u & 1 else u >> 1
            if cache:
                _remember(_STR_ENTRIES, data[start : pos + 8], (k, v))
            self.pos = pos + 8
        elif (
            data[pos : pos + 9] == _FLOAT_HEAD
            and data[pos + 9] < 0x80
            and not data[pos + 10]
            and ((u := data[pos + 11]) < 0x80 or u >= 0xF8)
            and (r := pos + (12 if u < 0x80 else 268 - u)) <= end
        ):
            # The float as 8 bytes: its uint's bytes, after zeros.
            zeros = u.to_bytes(8, "big") if u < 0x80 else _ZEROS_BEFORE[256 - u]
            result[k] = _UNPACK_DOUBLE(zeros + data[pos + 12 : r])[0]
            if cache:
                _remember(_STR_ENTRIES, data[start : pos + 12], (k, r - pos, zeros))
            self.pos = r
        else:
            self.pos = pos
            result[k] = self.interface()

    def slice_any(self, n: int) -> list[Any]:
        """The ``n`` (counted) elements of a []interface {}."""
        data = self.padded
        end = self.end
        pos = self.pos
        strings = _STRINGS
        str_maps = self.str_maps
        limit = len(self.data) - 2
        depth = self.depth
        deeper = depth < MAX_DEPTH  # for the maps read here
        inner = depth + 1
        items: list[Any] = []
        append = items.append
        for _ in range(n):
            c = data[pos]  # the length of the type name
            if c == 6:
                if (size := strings.get(data[pos : (s := pos + 11)])) is not None and (
                    r := pos + size
                ) <= end:
                    try:
                        append(data[s:r].decode())
                    except UnicodeDecodeError:
                        append(data[s:r].decode("utf-8", "surrogateescape"))
                    pos = r
                    continue
            elif c == 3:
                if data[pos : (s := pos + 7)] == _INT_HEAD and (u := data[s]) < 0x80 and s < end:
                    append(~(u >> 1) if u & 1 else u >> 1)
                    pos = s + 1
                    continue
            elif (
                data[pos : (p := pos + (c + 3))] in str_maps
                and (q := p + 3) <= end
                and data[p] < 0x80
                and not data[p + 1]
                and (m := data[p + 2]) < 0x80
                and 2 * m < limit - p
                and deeper
            ):
                # A map[string]interface {} as interface() reads it, in short.
                self.pos = q
                self.depth = inner
                append(self.map_str(m))
                self.depth = depth
                pos = self.pos
                end = self.end
                continue
            self.pos = pos
            append(self.interface())
            pos = self.pos
            end = self.end
        self.pos = pos
        return items

    def interface(self) -> Any:  # noqa: PLR0915 (inlined on purpose)
        """A value in an ``interface {}``."""
        data = self.padded
        pos = self.pos
        end = self.end
        n = data[pos]
        if n == 0 and pos < end:
            self.pos = pos + 1
            return None
        p = pos + (1 + n)
        known = self.known
        if known and (hit := known.get(data[pos : p + 2])) and p + 5 <= end:
            # A slice or map type: its name and id (defined, of the same shape)
            # are as in one read before.
            code, gotype, tid = hit
            p += 2
        else:
            fast = _FAST_NAMES.get(data[pos + 1 : p])
            if fast is None or p > end:
                return self.any_interface()
            # The name is read (n < 0x80 here: no fast name is longer).
            code, gotype, tid = fast
            if code < _SLICE:  # a basic type: its id, the byte count, the delta
                if data[p] != tid or data[p + 1] >= 0x80 or data[p + 2] or p + 4 > end:
                    self.pos = p
                    return self.interface_value(gotype)
                p += 3
                u = data[p]  # the string's length, or the value (a uint)
                if code == _STRING:
                    if u < 0x80 and (r := p + (1 + u)) <= end:
                        self.pos = r
                        try:
                            return data[p + 1 : r].decode()
                        except UnicodeDecodeError:
                            return data[p + 1 : r].decode("utf-8", "surrogateescape")
                    self.pos = p
                    return self.string()
                if code == _BYTES:
                    self.pos = p
                    return self.raw()
                if u < 0x80:
                    self.pos = p + 1
                else:  # a uint of k bytes
                    k = 256 - u
                    if k > 8 or p + 1 + k > end:
                        self.pos = p
                        return self.value(tid >> 1, gotype)  # fails as it does
                    self.pos = p = p + 1 + k
                    u = int.from_bytes(data[p - k : p], "big")
                if code == _INT:
                    return ~(u >> 1) if u & 1 else u >> 1
                if code == _FLOAT:
                    return _UNPACK_DOUBLE(u.to_bytes(8, "big"))[0]
                return u != 0  # bool
            # A slice or map type: its id (two bytes: 65 to 127), maybe defined here.
            if data[p] != 0xFF or p + 2 > end:
                self.pos = p
                return self.interface_value(gotype)
            u = data[p + 1]
            if u & 1:  # a definition first
                tid = self.definition(code, p)
                q = self.pos
                end = self.end
            else:
                tid = u >> 1
                q = p + 2
            wire = self.wire.get(tid)
            if wire is None or wire.shape != code:
                self.pos = q
                return self.typed_value(tid, gotype)
            if tid < 128:  # how the name and id read next time
                head = data[pos:p] + _TWO_BYTE_IDS[tid]
                known[head] = (code, gotype, tid)
                if code == _MAP_STR:
                    self.str_maps.add(head)
            p = q
        # After the id: the byte count (Go skips it), the delta, then the count.
        if (u := data[p]) < 0x80:
            q = p
        elif (q := p + 256 - u) > p + 8:  # a uint of more than 8 bytes: the general path fails
            q = end
        if data[q + 1] or q + 3 > end or self.depth >= MAX_DEPTH:
            self.pos = p
            return self.typed_value(tid, gotype)
        p = q  # the delta is at p + 1
        self.depth += 1
        n = data[p + 2]
        if code == _SLICE:
            if n < 0x80 and n < len(self.data) - p - 2:
                self.pos = p + 3
            else:
                self.pos = p + 2
                n = self.count()
            value: Any = self.slice_any(n)
            self.depth -= 1
            return value
        if n < 0x80 and 2 * n < len(self.data) - p - 2:
            self.pos = p + 3
        else:
            self.pos = p + 2
            n = self.count(2)
        if code == _MAP_STR:
            value = self.map_str(n)
            self.depth -= 1
            return value
        value = self.map_any(n)
        self.depth -= 1
        for k in value:
            if type(k) is not str:
                return value
        return GoMap(gotype.name, value)

    def definition(self, code: int, p: int) -> int:
        """The type definitions before an interface's value, at ``p``; the value's type id.

        The usual one is the definition of the value's type as Go writes it,
        then, in the message or the next one, its id; the fast way reads that.
        """
        data = self.padded
        end = self.end
        wires = self.wire
        q = p + _DEFINITION_SIZE[code]
        tid = _DEFINED.get(data[p:q], _NOT_DEFINED)[code - _SLICE]
        u = data[q]
        if (
            tid
            and tid not in wires
            and len(wires) < _MAX_TYPES
            and q <= end
            and (u < 0x80 or u >= 0xF8)
        ):
            # What Go's decodeTypeSequence reads next: a uint (a count if the
            # message goes on, else the next message's length), then the id.
            r = q + 1
            if u >= 0x80:
                r += 256 - u
                u = int.from_bytes(data[q + 1 : r], "big")
            if data[r] == 0xFF and data[r + 1] == tid << 1:
                if q < end:
                    if r + 2 <= end:
                        wires[tid] = _WIRES[code]
                        self.pos = r + 2
                        return tid
                elif 2 <= u <= len(self.data) - r:
                    wires[tid] = _WIRES[code]
                    self.end = r + u
                    self.pos = r + 2
                    return tid
        self.pos = p
        return self.type_sequence(True)

    # -- the general path ---------------------------------------------------

    def any_interface(self) -> Any:
        n = self.uint()
        if n == 0:
            return None
        if n > MAX_NAME or n > self.end - self.pos:
            fail(f"invalid type name length {n}")
        raw = self.data[self.pos : self.pos + n]
        self.pos += n
        try:
            name = raw.decode("utf-8")
            gotype = self.registry.parse(name)
        except UnicodeDecodeError:
            fail("type name is not UTF-8")
        except _BadType as exc:
            if exc.unknown is not None:
                fail(
                    f"unknown Go type {exc.unknown!r} in the data: register it with "
                    f"websessions.gob_register({exc.unknown!r}, YourDataclass)"
                )
            fail(f"bad type name {name!r}: {exc}")
        return self.interface_value(gotype)

    def interface_value(self, gotype: GoType) -> Any:
        """The rest of an interface value, after its type's name."""
        return self.typed_value(self.type_sequence(True), gotype)

    def typed_value(self, tid: int, gotype: GoType) -> Any:
        """The rest of an interface value, after its type id."""
        self.uint()  # the value's byte count: Go reads it and goes on
        # No depth step here: an interface holds a concrete value, never
        # another interface, so containers alone bound the recursion.
        return self.wrap(self.contents(tid, gotype), gotype, top=False)

    def wrap(self, value: Any, gotype: GoType, *, top: bool) -> Any:
        """Give a value decoded from an interface a Python type that writes back as ``gotype``."""
        kind = gotype.kind
        if kind is Kind.INT or kind is Kind.UINT:
            cls = INT_TYPES.get(gotype.name)
            return value if cls is None else cls(value)
        if kind is Kind.FLOAT:
            return Float32(value) if gotype.bits == 32 else value
        if kind is Kind.COMPLEX:
            return Complex64(value) if gotype.bits == 64 else value
        if kind is Kind.SLICE or kind is Kind.ARRAY:
            return value if gotype.name == "[]interface {}" else GoSlice(gotype.name, value)
        if kind is Kind.MAP:
            if gotype.name == "map[interface {}]interface {}":
                plain = top or any(type(k) is not str for k in value)
            else:
                plain = gotype.name == "map[string]interface {}" and not top
            return value if plain else GoMap(gotype.name, value)
        return value

    def struct(self, tid: int, gotype: GoType) -> Any:
        reg = gotype.struct
        assert reg is not None
        wire = self.wire_of(tid, Kind.STRUCT, gotype)
        try:
            fields = reg.fields
        except UsageError as exc:
            fail(str(exc))
        values: dict[str, Any] = {}
        for num in self.fields(len(wire.fields)):
            go_name, ftid = wire.fields[num]
            field = reg.by_go.get(go_name)
            if field is None:
                self.skip(ftid)
            else:
                values[field.py_name] = self.value(ftid, field.type)
        sent = {name for name, _ in wire.fields}
        for field in fields:
            if field.py_name not in values and field.go_name in sent:
                values[field.py_name] = None if field.optional else self.zero(field.type, 0)
        try:
            return reg.cls(**values)
        except Exception as exc:  # the dataclass's own checks, missing fields
            fail(f"cannot make {reg.cls.__qualname__} from {reg.go_name}: {exc}")

    def zero(self, gotype: GoType, depth: int) -> Any:
        """Go's zero value of ``gotype``: what a field left out of the stream holds."""
        if depth > MAX_DEPTH:
            fail("zero value nested too deeply")
        make = _ZEROS.get(gotype.kind)
        if make is not None:
            return make()
        if gotype.kind is Kind.ARRAY:
            assert gotype.elem is not None
            if gotype.elem.name == "uint8":
                return bytes(gotype.length)
            return [self.zero(gotype.elem, depth + 1) for _ in range(gotype.length)]
        if gotype.kind is Kind.STRUCT:
            reg: GobStruct | None = gotype.struct
            assert reg is not None
            try:
                fields = reg.fields
            except UsageError as exc:
                fail(str(exc))
            values = {
                f.py_name: None if f.optional else self.zero(f.type, depth + 1) for f in fields
            }
            try:
                return reg.cls(**values)
            except Exception as exc:  # the dataclass's own checks
                fail(f"cannot make a zero {reg.cls.__qualname__}: {exc}")
        return None  # interface

    def skip(self, tid: int, depth: int = 0) -> None:
        """Read past a value nobody wants, as Go's ignore ops do."""
        if depth > MAX_DEPTH:
            fail(f"value nested deeper than {MAX_DEPTH} levels")
        if tid in (1, 2, 3, 4):
            self.uint()
        elif tid == 7:
            self.uint()
            self.uint()
        elif tid in (5, 6):
            self.raw()
        elif tid == 8:
            n = self.uint()
            if n == 0:
                return
            if n > self.end - self.pos:
                fail(f"invalid type name length {n}")
            self.pos += n
            self.type_sequence(True)
            self.raw()
        else:
            wire = self.wire.get(tid)
            if wire is None:
                fail(f"undefined type id {tid}")
            if wire.kind is Kind.STRUCT:
                for num in self.fields(len(wire.fields)):
                    self.skip(wire.fields[num][1], depth + 1)
            elif wire.kind is Kind.MAP:
                for _ in range(self.count(2)):
                    self.skip(wire.key, depth + 1)
                    self.skip(wire.elem, depth + 1)
            elif wire.kind is Kind.SLICE or wire.kind is Kind.ARRAY:
                for _ in range(self.count()):
                    self.skip(wire.elem, depth + 1)
            else:
                self.raw()


_STRING, _INT, _BOOL, _FLOAT, _BYTES = range(5)
_SLICE, _MAP_STR, _MAP_ANY = SLICE_ANY_SHAPE, MAP_STR_SHAPE, MAP_ANY_SHAPE
# Go type name -> its fast path, its type, the byte of its id (basic types).
_FAST_NAMES: dict[bytes, tuple[int, GoType, int]] = {
    b"string": (_STRING, STRING, 6 << 1),
    b"int": (_INT, INT, 2 << 1),
    b"bool": (_BOOL, BOOL, 1 << 1),
    b"float64": (_FLOAT, FLOAT64, 4 << 1),
    b"[]uint8": (_BYTES, BYTES, 5 << 1),
    SLICE_ANY.name.encode(): (_SLICE, SLICE_ANY, 0),
    MAP_STR_ANY.name.encode(): (_MAP_STR, MAP_STR_ANY, 0),
    MAP_ANY_ANY.name.encode(): (_MAP_ANY, MAP_ANY_ANY, 0),
}
# An interface holding a string of n < 126 bytes, up to the string (the byte
# count Go writes is n + 2), and one holding an int of one byte.
_STR_HEADS = [b"\x06string\x0c" + bytes((n + 2, 0, n)) for n in range(126)] + [b""] * 130
# The same heads: the end of the string, from the head's start.
_STRINGS = {head: 11 + n for n, head in enumerate(_STR_HEADS[:126])}
_INT_HEAD = b"\x03int\x04\x02\x00"
_FLOAT_HEAD = b"\x07float64\x08"  # then the byte count, 0 and the float
_UNPACK_DOUBLE = struct.Struct("<d").unpack
_PADDING = bytes(320)
_ZEROS_BEFORE = [bytes(8 - k) for k in range(9)]  # a float's uint of k bytes, as 8
_TWO_BYTE_IDS = [bytes((0xFF, tid << 1)) for tid in range(128)]
# Map keys read before, by their bytes: strings in an interface (the keys of
# map[interface {}]...) and not (map[string]...). Keys repeat: session keys,
# field-like keys of nested maps.
_KEYS: dict[bytes, str] = {}
_NAMES: dict[bytes, str] = {}
_CACHED_KEY = 40  # bytes at most
_CACHED_KEYS = 512
# Entries' heads (see Decoder.map_any), by their bytes: the key, then the
# string's end (from the value's start), or the int, or for a float its end
# and the bytes that make its own 8.
_ANY_ENTRIES: dict[bytes, tuple[Any, ...]] = {}
_STR_ENTRIES: dict[bytes, tuple[Any, ...]] = {}


def _remember(cache: dict[bytes, T], head: bytes, value: T) -> None:
    """Cache ``value`` under ``head``, emptying the cache first when full (bounded memory)."""
    if len(cache) >= _CACHED_KEYS:
        cache.clear()
    cache[head] = value


# Maps whose entries the fast loops read: (key's type id, the Go key type's kind).
_FAST_MAPS = {(8, Kind.INTERFACE), (6, Kind.STRING)}


def _wire(shape: int) -> _Wire:
    wire = _Wire(Kind.SLICE if shape == _SLICE else Kind.MAP)
    wire.key = 6 if shape == _MAP_STR else 8 if shape == _MAP_ANY else 0
    wire.elem = 8
    wire.set_shape()
    assert wire.shape == shape
    return wire


def _definition(shape: int, tid: int) -> bytes:
    """-tid and the wireType defining it as one of the common composite types, as Go
    writes them: a SliceType or MapType with just a CommonType.Id, and the element ids."""
    body = {
        _SLICE: b"\x02\x01\x02%b\x00\x01\x10\x00\x00",
        _MAP_STR: b"\x04\x01\x02%b\x00\x01\x0c\x01\x10\x00\x00",
        _MAP_ANY: b"\x04\x01\x02%b\x00\x01\x10\x01\x10\x00\x00",
    }[shape]
    return bytes((0xFF, (tid << 1) - 1)) + body % bytes((0xFF, tid << 1))  # ids of two bytes


_WIRES = {shape: _wire(shape) for shape in (_SLICE, _MAP_STR, _MAP_ANY)}
_DEFINITION_SIZE = {shape: len(_definition(shape, 65)) for shape in _WIRES}
# The bytes of the definitions -> the ids they define, by shape.
_DEFINED = {
    _definition(shape, tid): tuple(tid if s == shape else 0 for s in _WIRES)
    for shape in _WIRES
    for tid in range(FIRST_USER_ID, 128)
}
_NOT_DEFINED = (0, 0, 0)
# The first message of a session: type 65 is map[interface {}]interface {}.
_SESSION_START = bytes((len(_definition(_MAP_ANY, 65)),)) + _definition(_MAP_ANY, 65)
_SESSION_SIZE = len(_SESSION_START)
_SESSION_WIRE = _WIRES[_MAP_ANY]

_ZEROS: dict[Kind, Callable[[], Any]] = {
    Kind.BOOL: lambda: False,
    Kind.INT: int,
    Kind.UINT: int,
    Kind.FLOAT: float,
    Kind.COMPLEX: complex,
    Kind.STRING: str,
    Kind.BYTES: bytes,
    Kind.SLICE: list,
    Kind.MAP: dict,
    Kind.TIME: lambda: _EPOCH,
}
