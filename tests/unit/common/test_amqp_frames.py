"""amqp_frames encodes a publish with the very bytes aiormq's channel sends through pamqp."""

from __future__ import annotations

import pytest
from aiormq.abc import ChannelFrame
from pamqp.body import ContentBody
from pamqp.commands import Basic
from pamqp.header import ContentHeader

from shop.common.amqp_frames import ack_frame, message_properties, publish_frames

CASES = [
    # content type, delivery mode, priority, message id, type, headers
    ("application/cloudevents+json", 2, 0, "a" * 32, "order.created", {"x-request-id": "r" * 32}),
    ("application/cloudevents+json", 2, 0, "b" * 32, "order.cancelled", {}),
    ("application/json", 1, 9, "id-é", "type.ü", {"x-request-id": "ré", "other": ""}),
    ("", 2, 0, "", "", {}),
]


def _pamqp_properties(case: tuple[str, int, int, str, str, dict[str, str]]) -> Basic.Properties:
    content_type, delivery_mode, priority, message_id, message_type, headers = case
    return Basic.Properties(
        content_type=content_type,
        delivery_mode=delivery_mode,
        priority=priority,
        message_id=message_id,
        message_type=message_type,
        headers=dict(headers),  # pamqp's FieldTable: values of any field type
    )


def _ours(case: tuple[str, int, int, str, str, dict[str, str]]) -> bytes:
    content_type, delivery_mode, priority, message_id, message_type, headers = case
    return message_properties(
        content_type=content_type,
        delivery_mode=delivery_mode,
        priority=priority,
        message_id=message_id,
        message_type=message_type,
        headers=headers,
    )


@pytest.mark.parametrize("case", CASES)
def test_properties_are_encoded_as_pamqp_encodes_them(
    case: tuple[str, int, int, str, str, dict[str, str]],
) -> None:
    assert _ours(case) == _pamqp_properties(case).marshal()


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("body_size", [0, 1, 99, 100, 101, 350])
@pytest.mark.parametrize("mandatory", [True, False])
def test_a_publish_is_framed_as_aiormq_frames_it(
    case: tuple[str, int, int, str, str, dict[str, str]], body_size: int, mandatory: bool
) -> None:
    body, size, channel = (bytes(range(256)) * 2)[:body_size], 100, 7
    pamqp_frames = [
        Basic.Publish(exchange="shop.events", routing_key=case[4], mandatory=mandatory),
        ContentHeader(properties=_pamqp_properties(case), body_size=len(body)),
        *(ContentBody(body[start : start + size]) for start in range(0, len(body), size)),
    ]
    expected = ChannelFrame.marshall(channel_number=channel, frames=pamqp_frames).payload  # type: ignore[arg-type]
    ours = publish_frames(
        channel,
        exchange="shop.events",
        routing_key=case[4],
        mandatory=mandatory,
        properties=_ours(case),
        body=body,
        max_content_size=size,
    )
    assert b"".join(ours) == expected


@pytest.mark.parametrize("multiple", [True, False])
@pytest.mark.parametrize(("channel", "tag"), [(1, 1), (7, 300), (65535, 2**63 - 1)])
def test_an_ack_is_framed_as_aiormq_frames_it(channel: int, tag: int, multiple: bool) -> None:
    pamqp_ack = Basic.Ack(delivery_tag=tag, multiple=multiple)
    expected = ChannelFrame.marshall(channel_number=channel, frames=[pamqp_ack]).payload
    assert ack_frame(channel, tag, multiple=multiple) == expected


def test_a_string_too_long_for_its_field_is_refused_as_pamqp_refuses_it() -> None:
    with pytest.raises(TypeError):
        publish_frames(
            1,
            exchange="shop.events",
            routing_key="k" * 256,
            mandatory=True,
            properties=b"",
            body=b"",
            max_content_size=100,
        )
    with pytest.raises(ValueError, match="exchange"):
        publish_frames(
            1,
            exchange="x" * 128,
            routing_key="k",
            mandatory=True,
            properties=b"",
            body=b"",
            max_content_size=100,
        )
