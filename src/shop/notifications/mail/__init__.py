"""Mail: what each event says (views), the message (compose), where it goes (transports)."""
