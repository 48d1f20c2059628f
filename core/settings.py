"""The integration's settings, declared as data and read by one function, once per app, with
errors that name the setting and say what to do.

Each setting is a row (`Setting`): its name as `.port/spec.yaml` spells it, the field it fills,
how its value is read and checked, and whether it is a secret. The shared rows are below; each
vendor declares its own rows on its class (vendors/contract.py). The config key, as Ocean hands
it over (`statuspageApiKey` arrives as `statuspage_api_key`, from the environment variable
`OCEAN__INTEGRATION__CONFIG__STATUSPAGE_API_KEY`), follows from the name: no other spelling is
written anywhere.
"""

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol
from urllib.parse import SplitResult, urlsplit

Config = Mapping[str, Any]
# Reads one raw value (None when unset) for the named setting; raises InvalidSettingError.
Reader = Callable[[str, object], Any]

MIN_WEBHOOK_SECRET_LENGTH: Final = 16
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_CAMEL_HUMP: Final = re.compile(r"(?<!^)(?=[A-Z])")


class InvalidSettingError(ValueError):
    """A setting has a value the integration cannot use; the message names it and says what to do."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"Invalid setting '{setting}': {problem}")
        self.setting = setting


@dataclass(frozen=True)
class Setting:
    """One setting of .port/spec.yaml: `name` as spelled there, the `field` it fills, how it is
    `read` (and checked), and whether it is a `secret` (spec.yaml's `sensitive`)."""

    name: str
    field: str
    read: Reader
    secret: bool = False

    @property
    def config_key(self) -> str:
        """The key Ocean hands the value over under (it decamelizes the spec's names)."""
        return _CAMEL_HUMP.sub("_", self.name).lower()

    def value_in(self, config: Config) -> Any:
        return self.read(self.name, config.get(self.config_key))


def read_rows(config: Config, rows: Sequence[Setting]) -> dict[str, Any]:
    """Every row's value, by field; the first bad one raises InvalidSettingError."""
    return {row.field: row.value_in(config) for row in rows}


# Readers. Each factory returns the reader of one kind of value; bounds are part of the row.


def secret_key() -> Reader:
    """An API key or token; None when unset or blank (the vendor is then not synced)."""

    def read(name: str, value: object) -> str | None:
        if not isinstance(value, str) or not value.strip():
            return None
        return value.strip()

    return read


def whole_number(default: int, maximum: int) -> Reader:
    """A whole number from 1 to `maximum`, given as a number or its text."""

    def read(name: str, value: object) -> int:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise InvalidSettingError(name, f"expected a whole number, got {value!r}")
        try:
            number = int(value)
        except ValueError:
            raise InvalidSettingError(
                name, f"expected a whole number, got {value!r}"
            ) from None
        if not 1 <= number <= maximum:
            raise InvalidSettingError(
                name, f"must be between 1 and {maximum}, got {number}"
            )
        return number

    return read


def flag(default: bool) -> Reader:
    """True or false, as JSON or as the text of an environment variable."""

    def read(name: str, value: object) -> bool:
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes", "on"):
            return True
        if text in ("false", "0", "no", "off"):
            return False
        raise InvalidSettingError(name, f"expected true or false, got {value!r}")

    return read


def id_list() -> Reader:
    """Ids as a list, a JSON array or a comma-separated string; empty means every page."""

    def read(name: str, value: object) -> tuple[str, ...]:
        if value is None:
            return ()
        items = _json_array(name, value) if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or not all(
            isinstance(i, str) for i in items
        ):
            raise InvalidSettingError(
                name,
                "expected page ids as a JSON array of strings or a comma-separated list",
            )
        ids = [item.strip() for item in items if item.strip()]
        return tuple(dict.fromkeys(ids))

    return read


def api_host(default: str, *allowed_paths: str) -> Reader:
    """An API's address: a scheme, a host (and port), and at most one of `allowed_paths`.

    Anything more would be appended to every request path and answered 404 with no hint of
    which setting is wrong, so it is refused here instead."""

    def read(name: str, value: object) -> str:
        if value is None or value == "":
            return default
        text = str(value).strip().rstrip("/")
        parts = urlsplit(text)
        example = f"such as {default}"
        if parts.username is not None or parts.password is not None:
            # Never echo it: the text holds a credential.
            raise InvalidSettingError(
                name,
                f"it carries a user name or password; give only the address, {example}",
            )
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or not _has_valid_port(parts)
        ):
            raise InvalidSettingError(
                name, f"expected an http(s) address {example}, got {text!r}"
            )
        if parts.path not in ("", *allowed_paths) or parts.query or parts.fragment:
            paths = " or ".join(allowed_paths)
            raise InvalidSettingError(
                name,
                f"expected only a scheme, a host and optionally {paths}, {example}; got "
                f"{text!r}. Remove the path, query or fragment",
            )
        return text

    return read


def http_url() -> Reader:
    def read(name: str, value: object) -> str | None:
        if value is None or value == "":
            return None
        text = str(value).strip().rstrip("/")
        parts = urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidSettingError(
                name,
                f"expected an http(s) URL such as https://example.com, got {text!r}",
            )
        return text

    return read


def email() -> Reader:
    def read(name: str, value: object) -> str | None:
        if value is None or value == "":
            return None
        text = str(value).strip()
        if not _EMAIL.fullmatch(text):
            raise InvalidSettingError(
                name,
                f"expected an email address such as ops@example.com, got {text!r}",
            )
        return text

    return read


def long_secret() -> Reader:
    """A secret of at least MIN_WEBHOOK_SECRET_LENGTH characters, or None when unset."""

    def read(name: str, value: object) -> str | None:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise InvalidSettingError(name, "expected a string")
        secret = value.strip()
        if len(secret) < MIN_WEBHOOK_SECRET_LENGTH:
            # The length, never the value: this message reaches the logs.
            raise InvalidSettingError(
                name,
                f"it has {len(secret)} characters, at least {MIN_WEBHOOK_SECRET_LENGTH} "
                "are required; leave it unset to have one derived from the API key",
            )
        return secret

    return read


def matching(pattern: str, what: str) -> Reader:
    """Text matching `pattern` (described as `what` in the error), or None when unset."""
    compiled = re.compile(pattern)

    def read(name: str, value: object) -> str | None:
        if value is None or value == "":
            return None
        text = str(value).strip()
        if not compiled.fullmatch(text):
            raise InvalidSettingError(name, f"expected {what}; got {text!r}")
        return text

    return read


def _json_array(name: str, value: str) -> object:
    text = value.strip()
    if not text.startswith("["):
        return text.split(",")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidSettingError(
            name,
            f"it starts like a JSON array but is not valid JSON ({error.msg}); "
            'write it as \'["id-1","id-2"]\' or as id-1,id-2',
        ) from None


def _has_valid_port(parts: SplitResult) -> bool:
    try:
        parts.port  # noqa: B018 - reading it is the check: it raises when out of range
    except ValueError:
        return False
    return True


# What one vendor needs to read its account, and what every vendor shares.


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
    provider: str
    api_key: str = field(repr=False)
    host: str
    rate_limit: RateLimit
    # The vendor's own ids of the pages to sync; empty means every page the key can see.
    page_ids: tuple[str, ...] = ()
    # The identifier to give a vendor's only page, where it has one page with no id (PingPong).
    page_id: str | None = None
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
    # Whether pages' public status may be read from any address, over http too (self-hosted
    # status pages); otherwise only over https from public addresses.
    allow_private_status_urls: bool = False

    def vendor(self, provider: str) -> VendorSettings | None:
        return next((v for v in self.vendors if v.provider == provider), None)


class VendorDeclaration(Protocol):
    """What a vendor class declares of its settings (vendors/contract.py's Vendor)."""

    @property
    def provider(self) -> str: ...
    @property
    def setting_rows(self) -> tuple[Setting, ...]: ...
    @property
    def rate_limit(self) -> RateLimit: ...
    @property
    def reads_uptime(self) -> bool: ...


# Far above any limit a vendor grants, low enough to catch a typo or a pasted number.
MAX_RATE_LIMIT_REQUESTS: Final = 10_000
MAX_RATE_LIMIT_WINDOW_SECONDS: Final = 3_600
# The fields a vendor's rows may fill to raise its rate limit.
RATE_LIMIT_REQUESTS: Final = "rate_limit_requests"
RATE_LIMIT_WINDOW: Final = "rate_limit_window_seconds"

LIVE_EVENT_SETTINGS: Final = (
    Setting("appHost", "app_host", http_url()),
    Setting("webhookSecret", "webhook_secret", long_secret(), secret=True),
    Setting("webhookSubscriberEmail", "webhook_subscriber_email", email()),
)
REQUEST_TIMEOUT: Final = Setting(
    "requestTimeoutSeconds", "request_timeout_seconds", whole_number(60, 600)
)
# Statuspage computes uptime over at most six calendar months.
UPTIME_SETTINGS: Final = (
    Setting("componentUptime", "on", flag(False)),
    Setting("componentUptimeDays", "days", whole_number(30, 180)),
    Setting(
        "componentUptimeRequestsPerResync",
        "requests_per_resync",
        whole_number(50, 10_000),
    ),
)
PRIVATE_STATUS_URLS: Final = Setting(
    "allowPrivateStatusUrls", "allow_private_status_urls", flag(False)
)
SHARED_SETTINGS: Final = (
    *LIVE_EVENT_SETTINGS,
    REQUEST_TIMEOUT,
    *UPTIME_SETTINGS,
    PRIVATE_STATUS_URLS,
)


def read_settings(config: Config, vendors: Sequence[VendorDeclaration]) -> Settings:
    """Every setting, checked: the shared ones, and each vendor's whose key is set (at least
    one must be). Every row is checked even when its vendor or feature is off, so a typo
    never waits for the day it is turned on."""
    uptime = _uptime(read_rows(config, UPTIME_SETTINGS))
    configured = tuple(
        settings
        for vendor in vendors
        if (settings := _vendor_settings(config, vendor, uptime)) is not None
    )
    live_events = LiveEventSettings(**read_rows(config, LIVE_EVENT_SETTINGS))
    timeout: int = REQUEST_TIMEOUT.value_in(config)
    private_status_urls: bool = PRIVATE_STATUS_URLS.value_in(config)
    if not configured:
        keys = [_key_setting(vendor).name for vendor in vendors]
        raise InvalidSettingError(
            ", ".join(keys[:-1]) + f" or {keys[-1]}",
            "none is set; set the API key of at least one status-page vendor",
        )
    return Settings(configured, live_events, timeout, private_status_urls)


def _vendor_settings(
    config: Config, vendor: VendorDeclaration, uptime: UptimeSettings | None
) -> VendorSettings | None:
    values = read_rows(config, vendor.setting_rows)
    if values.get("api_key") is None:
        return None
    rate_limit = RateLimit(
        values.pop(RATE_LIMIT_REQUESTS, vendor.rate_limit.requests),
        values.pop(RATE_LIMIT_WINDOW, vendor.rate_limit.window_seconds),
    )
    return VendorSettings(
        provider=vendor.provider,
        rate_limit=rate_limit,
        uptime=uptime if vendor.reads_uptime else None,
        **values,
    )


def _key_setting(vendor: VendorDeclaration) -> Setting:
    return next(row for row in vendor.setting_rows if row.field == "api_key")


def _uptime(values: dict[str, Any]) -> UptimeSettings | None:
    if not values.pop("on"):
        return None
    return UptimeSettings(**values)
