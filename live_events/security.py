"""The secret token that authenticates webhook deliveries.

No vendor here signs its webhooks, so the URL each vendor delivers to carries a secret:
`<base URL>/integration/webhook[/<vendor>]?token=<token>`. The token is the `webhookSecret`
setting or, when that is unset, an HMAC of the vendor's API key, the Port client id and the
integration identifier, so a default install never accepts an unauthenticated event. It must be
spelled exactly `token`, once; it is compared in constant time and never logged, and uvicorn's
access log gets every spelling of it masked.
"""

import hashlib
import hmac
import logging
from urllib.parse import unquote_plus

from core.settings import Settings

TOKEN_PARAM = "token"
REDACTED = "[REDACTED]"


def webhook_token(
    provider: str, settings: Settings, port_client_id: str, identifier: str
) -> str:
    """The token a vendor's deliveries must carry: the configured secret, or one derived from
    the vendor's key, the Port organisation's client id and the integration's identifier.
    Installations sharing a key (staging and production, say) then differ and never claim
    each other's webhooks."""
    if settings.live_events.webhook_secret:
        return settings.live_events.webhook_secret
    vendor = settings.vendor(provider)
    if vendor is None:
        raise ValueError(f"{provider} is not configured")
    # Changing the label changes every derived token, and so replaces every webhook on restart.
    label = f"port-ocean {provider} webhook token".encode()
    installation = f"{port_client_id}\0{identifier}".encode()
    return hmac.new(
        vendor.api_key.encode(), label + b"\0" + installation, hashlib.sha256
    ).hexdigest()


def token_matches(presented: str, expected: str) -> bool:
    return hmac.compare_digest(presented.encode(), expected.encode())


def refusal_reason(query_string: bytes, expected: str) -> str | None:
    """Why a delivery with this query cannot be trusted, or None when it carries the token."""
    presented: list[str] = []
    for raw_name, raw_value in _parameters(query_string.decode("latin-1")):
        if unquote_plus(raw_name).lower() != TOKEN_PARAM:
            continue
        if raw_name != TOKEN_PARAM:
            # `%74oken`, `TOKEN`, ...: one spelling only, or two parsers could disagree on
            # which value is the token.
            return "it spells the token parameter in a way that is not accepted"
        presented.append(unquote_plus(raw_value))
    if not presented:
        return "it carries no token"
    if len(presented) > 1:
        return "it carries more than one token"
    if not token_matches(presented[0], expected):
        return "its token is wrong"
    return None


def mask_token(target: str) -> str:
    """A request target (path and query) with the value of every parameter that decodes, in
    any case, to `token` replaced."""
    path, separator, query = target.partition("?")
    if not separator:
        return target
    masked = [
        (
            f"{name}={REDACTED}"
            if unquote_plus(name).lower() == TOKEN_PARAM
            else (f"{name}={value}" if has_value else name)
        )
        for name, value, has_value in _parameters_with_presence(query)
    ]
    return f"{path}?{'&'.join(masked)}"


def redact_token(text: str, token: str) -> str:
    """`text` with the token itself, and any token parameter's value, replaced."""
    return " ".join(
        mask_token(word) for word in text.replace(token, REDACTED).split(" ")
    )


def _parameters(query: str) -> list[tuple[str, str]]:
    return [(name, value) for name, value, _ in _parameters_with_presence(query)]


def _parameters_with_presence(query: str) -> list[tuple[str, str, bool]]:
    parameters = []
    for part in query.split("&"):
        if part:
            name, has_value, value = part.partition("=")
            parameters.append((name, value, bool(has_value)))
    return parameters


class _AccessLogTokenMask(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                mask_token(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


def mask_tokens_in_access_log() -> None:
    """Masks token values in the URLs uvicorn's access log prints. Idempotent."""
    access_log = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _AccessLogTokenMask) for f in access_log.filters):
        access_log.addFilter(_AccessLogTokenMask())
