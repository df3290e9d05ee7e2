"""Renders a mail from the templates and wraps it as an RFC 5322 message."""

from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Any

import jinja2

from shop.common.clock import utcnow
from shop.notifications.events import IncomingEvent
from shop.notifications.failures import PermanentFailure
from shop.notifications.mail import mime
from shop.notifications.mail.views import MailView

_templates = jinja2.Environment(
    loader=jinja2.PackageLoader("shop.notifications.mail", "templates"),
    # Only HTML is escaped: a user named "<script>" stays text in the HTML part, and
    # reads as written in the plain-text part and the subject.
    autoescape=jinja2.select_autoescape(["html"], default_for_string=False),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    # The templates ship with the code: no stat of each file on every render.
    auto_reload=False,
)


def money(cents: int) -> str:
    """Cents as an amount: 123456 -> "1,234.56" (the catalog has no currency field)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{part:02d}"


_templates.filters["money"] = money


def message_id(event_id: str) -> str:
    return f"<{event_id}@shop>"


@dataclass(frozen=True)
class Mail:
    """A composed mail: its RFC 5322 bytes (LF line ends, as `EmailMessage.as_bytes()`
    writes them) and what the claim and the log need to know of it."""

    data: bytes
    recipient: str
    subject: str

    def message(self) -> EmailMessage:
        """The mail as an EmailMessage (for SMTP); headers are parsed only when read."""
        return message_from_bytes(self.data, policy=mime.POLICY)


def compose(event: IncomingEvent, view: MailView, *, sender: str) -> Mail:
    """The mail for an event: subject, plain-text and HTML parts, the contract's headers."""
    context = {**view.context, "event_id": event.id}
    try:
        subject = _render(f"{event.type}/subject.txt", context)
        text = _render(f"{event.type}/body.txt", context)
        html = _render(f"{event.type}/body.html", context)
    except jinja2.TemplateError as exc:
        raise PermanentFailure(f"template {event.type}: {exc}") from exc
    subject = " ".join(subject.split())[:250]
    # A plain address passes the checks of _address unchanged: skip parsing it.
    plain = mime.is_plain_address(view.recipient)
    recipient = view.recipient if plain else _address(view.recipient).addr_spec
    headers = [
        mime.header("Subject", subject),
        _from_header(sender),
        mime.address_header("To", recipient),
        mime.date_header(utcnow()),
        mime.message_id_header(event.id),
        mime.header("X-Shop-Event-Id", event.id),
    ]
    if event.request_id:
        headers.append(mime.header("X-Request-ID", event.request_id))
    return Mail(mime.alternative("".join(headers), text, html), recipient, subject)


_from_headers: dict[str, str] = {}


def _from_header(sender: str) -> str:
    # One sender per process: parse and fold it once.
    folded = _from_headers.get(sender)
    if folded is None:
        folded = _from_headers[sender] = mime.stdlib_header("From", sender)
    return folded


def _render(name: str, context: dict[str, object]) -> str:
    compiled = _compiled.get(name)
    if compiled is None:
        template = _templates.get_template(name)
        compiled = _compiled[name] = (template, dict(template.globals))
    template, template_globals = compiled
    # What Template.render does, but the context is handed over as it is (shared=True)
    # with the globals copied in from a plain dict: render() merges them again from
    # their ChainMap on every call, which cost more than rendering the text.
    jinja_context = template.new_context({**template_globals, **context}, shared=True)
    try:
        return "".join(template.root_render_func(jinja_context))
    except Exception:
        _templates.handle_exception()  # re-raises, with the template's lines in the traceback


_compiled: dict[str, tuple[jinja2.Template, dict[str, Any]]] = {}


def _address(recipient: str) -> Address:
    # A header built from event data must stay one address: no display-name tricks,
    # no line breaks.
    _, addr = parseaddr(recipient)
    local, sep, domain = addr.rpartition("@")
    if addr != recipient or not sep or not local or not domain or any(c in addr for c in " ,<>"):
        raise PermanentFailure("recipient is not a single email address")
    try:
        return Address(addr_spec=addr)
    except (ValueError, IndexError) as exc:
        raise PermanentFailure(f"recipient is not a usable address: {exc}") from exc
