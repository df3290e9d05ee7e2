"""Renders a mail from the templates and wraps it as an RFC 5322 message."""

from __future__ import annotations

from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.policy import default
from email.utils import formatdate, parseaddr

import jinja2

from shop.notifications.events import IncomingEvent
from shop.notifications.failures import PermanentFailure
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


def money(cents: int) -> str:
    """Cents as an amount: 123456 -> "1,234.56" (the catalog has no currency field)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{part:02d}"


_templates.filters["money"] = money


def message_id(event_id: str) -> str:
    return f"<{event_id}@shop>"


def compose(event: IncomingEvent, view: MailView, *, sender: str) -> EmailMessage:
    """The mail for an event: subject, plain-text and HTML parts, the contract's headers."""
    context = {**view.context, "event_id": event.id}
    try:
        subject = _render(f"{event.type}/subject.txt", context)
        text = _render(f"{event.type}/body.txt", context)
        html = _render(f"{event.type}/body.html", context)
    except jinja2.TemplateError as exc:
        raise PermanentFailure(f"template {event.type}: {exc}") from exc
    mail = EmailMessage(policy=POLICY)
    mail["Subject"] = " ".join(subject.split())[:250]
    mail["From"] = sender
    mail["To"] = _address(view.recipient)
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = message_id(event.id)
    mail["X-Shop-Event-Id"] = event.id
    if event.request_id:
        mail["X-Request-ID"] = event.request_id
    mail.set_content(text)
    mail.add_alternative(html, subtype="html")
    return mail


def _render(name: str, context: dict[str, object]) -> str:
    return _templates.get_template(name).render(context)


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
