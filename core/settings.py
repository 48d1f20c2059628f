"""The integration's settings, read once per running app and checked with errors that name the
setting and say what to do.

Ocean hands over the integration's config with decamelized keys (`statuspageApiKey` arrives as
`statuspage_api_key`). Each vendor module reads its own settings with the readers here; this
module reads what every vendor shares (live events), and `read_settings` puts them together.
"""

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import SplitResult, urlsplit

Config = Mapping[str, Any]
MIN_WEBHOOK_SECRET_LENGTH = 16
DEFAULT_REQUEST_TIMEOUT_SECONDS = 60
MAX_REQUEST_TIMEOUT_SECONDS = 600
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class InvalidSettingError(ValueError):
    """A setting has a value the integration cannot use; the message names it and says what to do."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"Invalid setting '{setting}': {problem}")
        self.setting = setting


@dataclass(frozen=True)
class RateLimit:
    requests: int
    window_seconds: float


@dataclass(frozen=True)
class UptimeSettings:
    """Component uptime, for a vendor that can read it: over how many days, and how many
    requests one resync may spend on it."""

    days: int
    requests_per_resync: int


@dataclass(frozen=True)
class VendorSettings:
    """What the integration needs to read one vendor's account."""

    provider: str
    api_key: str = field(repr=False)
    host: str
    # The vendor's own ids of the pages to sync; empty means every page the key can see.
    page_ids: tuple[str, ...]
    rate_limit: RateLimit
    # None: component uptime is not read (off, or the vendor has none).
    uptime: UptimeSettings | None = None


@dataclass(frozen=True)
class LiveEventSettings:
    app_host: str | None = None
    webhook_secret: str | None = None
    webhook_subscriber_email: str | None = None

    def __repr__(self) -> str:
        # Whether a secret is set, never its value: this reaches the logs.
        return (
            f"LiveEventSettings(app_host={self.app_host!r}, "
            f"webhook_secret={'set' if self.webhook_secret else 'derived'}, "
            f"webhook_subscriber_email={self.webhook_subscriber_email!r})"
        )


@dataclass(frozen=True)
class Settings:
    vendors: tuple[VendorSettings, ...]
    live_events: LiveEventSettings
    # The overall deadline of each API request, connect to last byte.
    request_timeout_seconds: int = 60

    def vendor(self, provider: str) -> VendorSettings | None:
        return next((v for v in self.vendors if v.provider == provider), None)


VendorReader = Callable[[Config], VendorSettings | None]


def read_settings(
    config: Config, readers: Sequence[VendorReader], key_settings: Sequence[str]
) -> Settings:
    """Every configured vendor's settings and the shared ones; at least one vendor must have
    a key (`key_settings` names them for the error)."""
    vendors = tuple(
        settings for read in readers if (settings := read(config)) is not None
    )
    live_events = LiveEventSettings(
        app_host=http_url("appHost", config.get("app_host")),
        webhook_secret=_webhook_secret(config.get("webhook_secret")),
        webhook_subscriber_email=_email(
            "webhookSubscriberEmail", config.get("webhook_subscriber_email")
        ),
    )
    if not vendors:
        names = ", ".join(key_settings[:-1]) + f" or {key_settings[-1]}"
        raise InvalidSettingError(
            names,
            "none is set; set the API key of at least one status-page vendor",
        )
    timeout = bounded_int(
        "requestTimeoutSeconds",
        config.get("request_timeout_seconds"),
        DEFAULT_REQUEST_TIMEOUT_SECONDS,
        MAX_REQUEST_TIMEOUT_SECONDS,
    )
    return Settings(vendors, live_events, timeout)


DEFAULT_UPTIME_DAYS = 30
# Statuspage computes uptime over at most six calendar months.
MAX_UPTIME_DAYS = 180
DEFAULT_UPTIME_REQUESTS_PER_RESYNC = 50
MAX_UPTIME_REQUESTS_PER_RESYNC = 10_000


def uptime_settings(config: Config) -> UptimeSettings | None:
    """The component-uptime settings shared by the vendors that can read uptime; None when
    `componentUptime` is off (the default). The bounds are checked either way, so a typo
    never waits for the day the feature is turned on."""
    days = bounded_int(
        "componentUptimeDays",
        config.get("component_uptime_days"),
        DEFAULT_UPTIME_DAYS,
        MAX_UPTIME_DAYS,
    )
    requests = bounded_int(
        "componentUptimeRequestsPerResync",
        config.get("component_uptime_requests_per_resync"),
        DEFAULT_UPTIME_REQUESTS_PER_RESYNC,
        MAX_UPTIME_REQUESTS_PER_RESYNC,
    )
    if not flag("componentUptime", config.get("component_uptime"), default=False):
        return None
    return UptimeSettings(days=days, requests_per_resync=requests)


def flag(setting: str, value: object, default: bool) -> bool:
    """A boolean setting: true or false, as JSON or as the text of an environment variable."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off"):
        return False
    raise InvalidSettingError(setting, f"expected true or false, got {value!r}")


def optional_key(value: object) -> str | None:
    """An API key, or None when it is unset or blank (the vendor is then not synced)."""
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()


def id_list(setting: str, value: object) -> tuple[str, ...]:
    """Accepts a list, a JSON array string or a comma-separated string; empty means every page."""
    if value is None:
        return ()
    if isinstance(value, str):
        text = value.strip()
        items: object = (
            _json_array(setting, text) if text.startswith("[") else text.split(",")
        )
    else:
        items = value
    if not isinstance(items, list | tuple) or not all(
        isinstance(i, str) for i in items
    ):
        raise InvalidSettingError(
            setting,
            "expected page ids as a JSON array of strings or a comma-separated list",
        )
    ids = [item.strip() for item in items if item.strip()]
    return tuple(dict.fromkeys(ids))


def _json_array(setting: str, text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidSettingError(
            setting,
            f"it starts like a JSON array but is not valid JSON ({error.msg}); "
            'write it as \'["id-1","id-2"]\' or as id-1,id-2',
        ) from None


def api_host(
    setting: str, value: object, default: str, allowed_paths: Sequence[str]
) -> str:
    """An API's address: a scheme, a host (and port), and at most one of `allowed_paths`.

    Anything more would be appended to every request path and answered 404 with no hint of
    which setting is wrong, so it is refused here instead."""
    if value is None or value == "":
        return default
    text = str(value).strip().rstrip("/")
    parts = urlsplit(text)
    example = f"such as {default}"
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
    if parts.path not in ("", *allowed_paths) or parts.query or parts.fragment:
        paths = " or ".join(allowed_paths)
        raise InvalidSettingError(
            setting,
            f"expected only a scheme, a host and optionally {paths}, {example}; got "
            f"{text!r}. Remove the path, query or fragment",
        )
    return text


def http_url(setting: str, value: object) -> str | None:
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


def bounded_int(setting: str, value: object, default: int, maximum: int) -> int:
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
