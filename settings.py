"""The integration's settings, read once from Ocean's config and checked with errors that name the setting."""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urlsplit

from port_ocean.context.ocean import ocean

DEFAULT_HOST = "https://api.statuspage.io"
DEFAULT_RATE_LIMIT_REQUESTS = 60
DEFAULT_RATE_LIMIT_WINDOW_SECONDS = 60
# Far above any limit Atlassian grants, low enough to catch a typo or a pasted number.
MAX_RATE_LIMIT_REQUESTS = 10_000
MAX_RATE_LIMIT_WINDOW_SECONDS = 3_600
MIN_WEBHOOK_SECRET_LENGTH = 16
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class InvalidSettingError(ValueError):
    """A setting has a value the integration cannot use; the message names it and says what to do."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"Invalid setting '{setting}': {problem}")
        self.setting = setting


@dataclass(frozen=True)
class StatuspageSettings:
    api_key: str
    host: str
    page_ids: tuple[str, ...]
    rate_limit_requests: int
    rate_limit_window_seconds: int
    app_host: str | None
    webhook_secret: str | None = None
    webhook_subscriber_email: str | None = None

    def __repr__(self) -> str:
        # Neither the API key nor the webhook secret may reach a log line through a repr.
        return (
            f"StatuspageSettings(host={self.host!r}, page_ids={self.page_ids!r}, "
            f"rate_limit={self.rate_limit_requests}/{self.rate_limit_window_seconds}s, "
            f"app_host={self.app_host!r}, "
            f"webhook_secret={'set' if self.webhook_secret else 'derived'}, "
            f"webhook_subscriber_email={self.webhook_subscriber_email!r})"
        )

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "StatuspageSettings":
        """Builds settings from Ocean's integration config (decamelized keys)."""
        return cls(
            api_key=_api_key(config.get("statuspage_api_key")),
            host=_api_host("statuspageHost", config.get("statuspage_host"))
            or DEFAULT_HOST,
            page_ids=parse_page_ids(config.get("statuspage_ids")),
            rate_limit_requests=_bounded_int(
                "rateLimitRequests",
                config.get("rate_limit_requests"),
                DEFAULT_RATE_LIMIT_REQUESTS,
                MAX_RATE_LIMIT_REQUESTS,
            ),
            rate_limit_window_seconds=_bounded_int(
                "rateLimitWindowSeconds",
                config.get("rate_limit_window_seconds"),
                DEFAULT_RATE_LIMIT_WINDOW_SECONDS,
                MAX_RATE_LIMIT_WINDOW_SECONDS,
            ),
            app_host=_http_url("appHost", config.get("app_host")),
            webhook_secret=_webhook_secret(config.get("webhook_secret")),
            webhook_subscriber_email=_email(
                "webhookSubscriberEmail", config.get("webhook_subscriber_email")
            ),
        )


def parse_page_ids(value: object) -> tuple[str, ...]:
    """Accepts a list, a JSON array string or a comma-separated string; empty means every page."""
    if value is None:
        return ()
    if isinstance(value, str):
        text = value.strip()
        items: object = _json_array(text) if text.startswith("[") else text.split(",")
    else:
        items = value
    if not isinstance(items, list | tuple) or not all(
        isinstance(i, str) for i in items
    ):
        raise InvalidSettingError(
            "statuspageIds",
            "expected page ids as a JSON array of strings or a comma-separated list",
        )
    ids = [item.strip() for item in items if item.strip()]
    return tuple(dict.fromkeys(ids))


def _json_array(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidSettingError(
            "statuspageIds",
            f"it starts like a JSON array but is not valid JSON ({error.msg}); "
            'write it as \'["id-1","id-2"]\' or as id-1,id-2',
        ) from None


def _api_key(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidSettingError(
            "statuspageApiKey",
            "it is missing or empty; create an API key in Statuspage and set it",
        )
    return value.strip()


def _http_url(setting: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).strip().rstrip("/")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidSettingError(
            setting,
            f"expected an http(s) URL such as https://example.com, got {text!r}",
        )
    return text


def _api_host(setting: str, value: object) -> str | None:
    """An API's address: a scheme, a host (and port), and at most the API's `/v1`.

    Anything more would be appended to every request path and answered 404 with no hint of
    which setting is wrong, so it is refused here instead."""
    if value is None or value == "":
        return None
    text = str(value).strip().rstrip("/")
    parts = urlsplit(text)
    example = "such as https://api.statuspage.io"
    if parts.username is not None or parts.password is not None:
        # Never echo it: the text holds a credential.
        raise InvalidSettingError(
            setting,
            f"it carries a user name or password; give only the address, {example}",
        )
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or not _has_valid_port(parts)
    ):
        raise InvalidSettingError(
            setting, f"expected an http(s) address {example}, got {text!r}"
        )
    if parts.path not in ("", "/v1") or parts.query or parts.fragment:
        raise InvalidSettingError(
            setting,
            f"expected only a scheme, a host and optionally /v1, {example}; got {text!r}. "
            "Remove the path, query or fragment",
        )
    return text


def _has_valid_port(parts: SplitResult) -> bool:
    try:
        parts.port  # noqa: B018 - reading it is the check: it raises when out of range
    except ValueError:
        return False
    return True


def _webhook_secret(value: object) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidSettingError("webhookSecret", "expected a string")
    secret = value.strip()
    if len(secret) < MIN_WEBHOOK_SECRET_LENGTH:
        # The length, never the value: this message reaches the logs.
        raise InvalidSettingError(
            "webhookSecret",
            f"it has {len(secret)} characters, at least {MIN_WEBHOOK_SECRET_LENGTH} "
            "are required; leave it unset to have one derived from the API key",
        )
    return secret


def _email(setting: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    if not _EMAIL.fullmatch(text):
        raise InvalidSettingError(
            setting, f"expected an email address such as ops@example.com, got {text!r}"
        )
    return text


def _bounded_int(setting: str, value: object, default: int, maximum: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise InvalidSettingError(setting, f"expected a whole number, got {value!r}")
    try:
        number = int(value)
    except ValueError:
        raise InvalidSettingError(
            setting, f"expected a whole number, got {value!r}"
        ) from None
    if not 1 <= number <= maximum:
        raise InvalidSettingError(
            setting, f"must be between 1 and {maximum}, got {number}"
        )
    return number


def current_settings() -> StatuspageSettings:
    """The running integration's settings."""
    return StatuspageSettings.from_config(ocean.integration_config)
