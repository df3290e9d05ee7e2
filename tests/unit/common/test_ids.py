"""The one id format: what `uuid.uuid4().hex` gives, built without `uuid.UUID`."""

from __future__ import annotations

import uuid

from shop.common.context import new_request_id
from shop.common.ids import new_id


def test_an_id_is_a_version_4_uuid_as_32_hex_digits() -> None:
    for make in (new_id, new_request_id):
        ids = {make() for _ in range(1000)}
        assert len(ids) == 1000
        for value in ids:
            parsed = uuid.UUID(hex=value)
            assert parsed.hex == value and len(value) == 32
            assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
