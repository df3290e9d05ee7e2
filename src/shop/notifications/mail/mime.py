"""The bytes of a plain-text + HTML mail, written directly.

They are what `EmailMessage.set_content(text)`, `add_alternative(html, subtype="html")` and
`as_bytes()` write, with the stdlib's choice of transfer encoding. Building and serialising an
`EmailMessage` parses every header into a token tree and refolds it, which was most of the
worker's CPU per event. Here a header that is short printable ASCII is written as it is (what
the stdlib writes for it too); any other value still goes through the stdlib's header
classes, so non-ASCII and long values are encoded and folded exactly as before.
"""

from __future__ import annotations

import binascii
import functools
import random
import re
import sys
from datetime import datetime
from email import quoprimime
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.policy import default
from email.utils import format_datetime

_MAX_LINE = 78

# An address the stdlib writes back unchanged: a dot-atom local part and a plain domain.
_PLAIN_ADDRESS = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
)
_DOT_ATOM = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*")


class _HeaderClasses(HeaderRegistry):
    """The stdlib registry builds a new header class on every header set; build each once."""

    def __init__(self) -> None:
        super().__init__()
        self._built: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        built = self._built.get(name)
        if built is None:
            built = self._built[name] = super().__getitem__(name)
        return built


# The default policy (what EmailMessage() uses) with the header classes built once.
POLICY = default.clone(header_factory=_HeaderClasses())


def header(name: str, value: str) -> str:
    """One unstructured header line (or folded lines), as the default policy writes it."""
    if (
        len(name) + 2 + len(value) <= _MAX_LINE
        and value.isascii()
        and value.isprintable()
        and "=?" not in value  # an encoded word would be decoded and re-encoded
        and "  " not in value
        and value == value.strip()
    ):
        return f"{name}: {value}\n"
    return stdlib_header(name, value)


def is_plain_address(value: str) -> bool:
    """A dot-atom local part and a plain domain: written as it is wherever it goes."""
    return _PLAIN_ADDRESS.fullmatch(value) is not None


def address_header(name: str, addr_spec: str) -> str:
    """A header holding one address."""
    if len(name) + 2 + len(addr_spec) <= _MAX_LINE and is_plain_address(addr_spec):
        return f"{name}: {addr_spec}\n"
    return stdlib_header(name, Address(addr_spec=addr_spec))


def message_id_header(event_id: str) -> str:
    value = f"<{event_id}@shop>"
    if _DOT_ATOM.fullmatch(event_id) and len(value) <= _MAX_LINE - len("Message-ID: "):
        return f"Message-ID: {value}\n"
    return stdlib_header("Message-ID", value)


def date_header(now: datetime) -> str:
    """The Date header for `now` (UTC), as the stdlib formats it."""
    return _date_line(now.replace(microsecond=0))


# Written once a second: format_datetime took as long as the rest of the headers together.
@functools.lru_cache(maxsize=1)
def _date_line(second: datetime) -> str:
    return f"Date: {format_datetime(second)}\n"


def stdlib_header(name: str, value: object) -> str:
    folded: str = POLICY.header_factory(name, value).fold(policy=POLICY)
    return folded


def alternative(headers: str, text: str, html: str) -> bytes:
    """The mail: `headers` (complete lines), then the text and HTML parts."""
    plain, rich = _part("plain", text, mime_version=False), _part("html", html)
    while True:
        # The generator's boundary: 15 "=", a random 19-digit number, "==".
        boundary = ("=" * 15 + f"{random.randrange(sys.maxsize):019d}==").encode()
        if boundary not in plain and boundary not in rich:
            break
    return b"".join(
        [
            headers.encode("ascii"),
            b'MIME-Version: 1.0\nContent-Type: multipart/alternative;\n boundary="',
            boundary,
            b'"\n\n--',
            boundary,
            b"\n",
            plain,
            b"\n--",
            boundary,
            b"\n",
            rich,
            b"\n--",
            boundary,
            b"--\n",
        ]
    )


def _part(subtype: str, content: str, *, mime_version: bool = True) -> bytes:
    cte, payload = _encode_text(content)
    head = f'Content-Type: text/{subtype}; charset="utf-8"\nContent-Transfer-Encoding: {cte}\n'
    # add_alternative gives the part it creates its own MIME-Version; set_content's part
    # has it on the outer message.
    if mime_version:
        head += "MIME-Version: 1.0\n"
    return head.encode("ascii") + b"\n" + payload


def _encode_text(content: str) -> tuple[str, bytes]:
    # email.contentmanager's heuristics for set_content(str), default policy (8bit allowed).
    lines = content.encode("utf-8").splitlines()
    body = b"\n".join(lines) + b"\n"
    if max(map(len, lines), default=0) <= _MAX_LINE:
        return ("7bit" if body.isascii() else "8bit"), body
    sniff = body if len(lines) <= 10 else b"\n".join(lines[:10]) + b"\n"
    sniff_qp = quoprimime.body_encode(sniff.decode("latin-1"), _MAX_LINE)
    if len(sniff_qp) > len(binascii.b2a_base64(sniff)):
        per_line = _MAX_LINE // 4 * 3
        encoded = [
            binascii.b2a_base64(body[i : i + per_line]) for i in range(0, len(body), per_line)
        ]
        return "base64", b"".join(encoded)
    if len(lines) <= 10:
        return "quoted-printable", sniff_qp.encode("ascii")
    # body_encode encodes each line on its own, so the body's encoding is the sniffed
    # lines' followed by the rest's: the first ten are not encoded twice.
    rest = b"\n".join(lines[10:]) + b"\n"
    rest_qp = quoprimime.body_encode(rest.decode("latin-1"), _MAX_LINE)
    return "quoted-printable", (sniff_qp + rest_qp).encode("ascii")
