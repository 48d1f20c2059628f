"""The secret token that authenticates Statuspage's webhook deliveries.

Statuspage signs nothing and sends no header of ours, so the subscriber URL carries a secret:
`<base URL>/integration/webhook?token=<token>`. The token is the `webhookSecret` setting or, when
that is unset, an HMAC of the API key, the Port client id and the integration identifier, so a default install never
accepts an unauthenticated event. It is compared in constant time and never logged; uvicorn's
access log, which prints each request's URL, gets it masked.
"""

import hashlib
import hmac
import logging
import re

from loguru import logger
from port_ocean.context.ocean import ocean
from port_ocean.core.handlers.webhook.webhook_event import WebhookOriginalRequest
from starlette.requests import Request

from settings import StatuspageSettings, current_settings

TOKEN_PARAM = "token"
REDACTED = "[REDACTED]"
# Changing the label changes every derived token, and so replaces every subscriber on restart.
_DERIVATION_LABEL = b"port-ocean statuspage webhook token"
_TOKEN_IN_URL = re.compile(rf"([?&]{TOKEN_PARAM}=)[^&\s\"']*")


def webhook_token(
    settings: StatuspageSettings, port_client_id: str, integration_identifier: str
) -> str:
    """The token Statuspage must present: the configured secret, or one derived from the API
    key, the Port organisation's client id and the integration's identifier. Installations
    sharing a key, in one Port organisation or in two (staging and production, say), then
    differ and never claim each other's subscribers."""
    if settings.webhook_secret:
        return settings.webhook_secret
    installation = f"{port_client_id}\0{integration_identifier}".encode()
    message = _DERIVATION_LABEL + b"\0" + installation
    return hmac.new(settings.api_key.encode(), message, hashlib.sha256).hexdigest()


def current_webhook_token() -> str:
    return webhook_token(
        current_settings(),
        ocean.config.port.client_id,
        ocean.config.integration.identifier,
    )


def token_matches(presented: str, expected: str) -> bool:
    return hmac.compare_digest(presented.encode(), expected.encode())


def refusal_reason(request: WebhookOriginalRequest | None, expected: str) -> str | None:
    """Why a delivery cannot be trusted, or None when it carries the expected token."""
    # Ocean 0.55.4 passes processors the payload and headers only; the URL, where Statuspage
    # puts our token, is on the original HTTP request. Events relayed through a queue lack it.
    if not isinstance(request, Request):
        return "its URL is not available, so its token cannot be checked"
    presented = request.query_params.getlist(TOKEN_PARAM)
    if not presented:
        return "it carries no token"
    if len(presented) > 1:
        return "it carries more than one token"
    if not token_matches(presented[0], expected):
        return "its token is wrong"
    return None


def delivery_is_trusted(request: WebhookOriginalRequest | None) -> bool:
    """Whether a delivery carries our token; a refusal is logged with its reason, never a token."""
    reason = refusal_reason(request, current_webhook_token())
    if reason is None:
        return True
    sender = (
        request.client.host if isinstance(request, Request) and request.client else None
    )
    logger.warning(
        f"Refused a Statuspage webhook from {sender or 'an unknown sender'}: {reason}. "
        "Nothing was changed."
    )
    return False


def redact_token(text: str, token: str) -> str:
    """`text` with the token, and any `token=` query value, replaced."""
    return _TOKEN_IN_URL.sub(rf"\g<1>{REDACTED}", text.replace(token, REDACTED))


class _AccessLogTokenMask(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                (
                    _TOKEN_IN_URL.sub(rf"\g<1>{REDACTED}", arg)
                    if isinstance(arg, str)
                    else arg
                )
                for arg in record.args
            )
        return True


def mask_tokens_in_access_log() -> None:
    """Masks `token=` values in the URLs uvicorn's access log prints. Idempotent."""
    access_log = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _AccessLogTokenMask) for f in access_log.filters):
        access_log.addFilter(_AccessLogTokenMask())
