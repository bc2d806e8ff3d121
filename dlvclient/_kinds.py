"""Go's ``reflect.Kind`` as Delve sends it, and the enum base every Delve enum builds on.

Apart from :mod:`dlvclient._models` so that code reading values (``_goprint``) needs the kinds
without the models.
"""

from __future__ import annotations

import enum
from typing import Any

__all__ = ["OpenIntEnum", "VariableKind"]


class OpenIntEnum(enum.IntEnum):
    """IntEnum that turns values it does not know into ``UNKNOWN_<n>`` pseudo-members.

    Delve sends raw integers; a newer Delve or Go release can add values, and parsing a
    whole reply must not fail because of one unfamiliar number.
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            member = int.__new__(cls, value)
            member._name_ = f"UNKNOWN_{value}"
            member._value_ = value
            return member
        return None


class VariableKind(OpenIntEnum):
    """Go ``reflect.Kind`` of a :class:`Variable` (``Variable.kind``, ``TypeInfo.kind``).

    Delve reports every signed integer type as ``INT`` and every unsigned one as ``UINT``
    (``UINTPTR`` excepted), whatever its size: check ``Variable.type`` for the width.
    """

    INVALID = 0
    BOOL = 1
    INT = 2
    INT8 = 3
    INT16 = 4
    INT32 = 5
    INT64 = 6
    UINT = 7
    UINT8 = 8
    UINT16 = 9
    UINT32 = 10
    UINT64 = 11
    UINTPTR = 12
    FLOAT32 = 13
    FLOAT64 = 14
    COMPLEX64 = 15
    COMPLEX128 = 16
    ARRAY = 17
    CHAN = 18
    FUNC = 19
    INTERFACE = 20
    MAP = 21
    PTR = 22
    SLICE = 23
    STRING = 24
    STRUCT = 25
    UNSAFE_POINTER = 26
