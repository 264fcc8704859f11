"""The message-type → handler registry. Apps above the exchange (transfers …) register
their handlers here at start-up, so the exchange never imports them.

A handler is ``fn(*, sender: str, message_id: str, correlation_id: str, body: dict) -> dict``
and runs inside the inbox transaction: what it writes and the inbox row commit together.
A business refusal is raised as a ``FieldError`` (recorded as outcome "refused", still
acknowledged: resending would not change it); any other exception rolls everything back
and the peer gets a 500, so it retries later.
"""

from __future__ import annotations

from collections.abc import Callable

Handler = Callable[..., dict]
_HANDLERS: dict[str, Handler] = {}


def handler(message_type: str) -> Callable[[Handler], Handler]:
    def decorate(fn: Handler) -> Handler:
        existing = _HANDLERS.get(message_type)
        if existing is not None and existing is not fn and existing.__qualname__ != fn.__qualname__:
            raise ValueError(f"a handler for {message_type!r} is already registered")
        _HANDLERS[message_type] = fn
        return fn

    return decorate


def handler_for(message_type: str) -> Handler | None:
    return _HANDLERS.get(message_type)


def message_types() -> list[str]:
    return sorted(_HANDLERS)
