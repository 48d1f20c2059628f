"""What every vendor module provides: its settings, its HTTP dialect, and its objects read and
normalised into the common shape the five kinds and the default mappings read.

The common shape is Statuspage's: a vendor maps its fields and vocabularies onto Statuspage's
(`status`, `impact`, `group_id`, `incident_updates`, ...), sets `provider`, and keeps its own
object under `raw` for custom mappings. Identifiers are what Port holds: a vendor other than
Statuspage prefixes its ids with its name, so ids of two vendors never collide. Every method
takes and returns those identifiers; only the vendor module knows its API's own.

For Ocean's incremental sync a vendor narrows its incident list to what can have changed since
a cursor (`incidents_since`); one that cannot is served its whole list by the default.
"""

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any, ClassVar, Final

from client import ApiClient, Dialect, Item, RetryPolicy, VendorNotFoundError
from core.settings import Config, RateLimit, VendorSettings
from live_events.endpoint import OurEndpoint
from live_events.pending import InvalidEventError, Notification
from sync.page_status import PublishedStatus

# An incremental sync's cursor is our clock, a vendor's timestamps its own: looking this far
# before the cursor loses no change to clocks that disagree by less.
CLOCK_SKEW_ALLOWANCE: Final = timedelta(minutes=5)


class Vendor(ABC):
    provider: ClassVar[str]
    # The spec names of the setting that turns the vendor on, and of the one selecting pages.
    key_setting: ClassVar[str]
    page_ids_setting: ClassVar[str]
    dialect: ClassVar[Dialect]
    # Where the API's paths start under its host (`/v1`).
    api_path: ClassVar[str]
    # Put before the vendor's ids in Port, so that two vendors' ids never collide.
    id_prefix: ClassVar[str] = ""
    # Where (under Ocean's /integration) the vendor delivers webhooks; None: it sends none.
    webhook_path: ClassVar[str | None] = None
    # Whether registering a webhook needs the webhookSubscriberEmail setting.
    webhook_needs_email: ClassVar[bool] = False
    # A public, keyless API the vendor reads too (pages' published status), if any. It is
    # another host than the API's, not counted against the key: it gets its own client, a
    # small limit of its own, a short deadline and few retries, since a resync falls back
    # to deriving what it would have said.
    public_dialect: ClassVar[Dialect | None] = None
    public_rate_limit: ClassVar[RateLimit] = RateLimit(requests=10, window_seconds=10)
    public_retry_policy: ClassVar[RetryPolicy] = RetryPolicy(
        max_attempts=2,
        max_rate_limit_waits=2,
        deadline_seconds=10.0,
        max_body_bytes=1024 * 1024,
    )

    def __init__(
        self,
        settings: VendorSettings,
        api: ApiClient,
        public_api: ApiClient | None = None,
    ) -> None:
        self.settings = settings
        self.api = api
        # Built (by the runtime) only for a vendor with a public dialect; it holds no key.
        self.public_api = public_api

    @classmethod
    @abstractmethod
    def read_settings(cls, config: Config) -> VendorSettings | None:
        """The vendor's settings, or None when its key is not set."""

    @classmethod
    def base_url(cls, settings: VendorSettings) -> str:
        """Where its API's paths start: the host setting, with `api_path` added unless the
        setting already ends with it."""
        host = settings.host.rstrip("/")
        return host if host.endswith(cls.api_path) else f"{host}{cls.api_path}"

    def port_id(self, vendor_id: str) -> str:
        """The identifier Port holds for one of the vendor's ids."""
        return f"{self.id_prefix}{vendor_id}"

    def vendor_id(self, port_id: str) -> str:
        """The vendor's own id in one of Port's identifiers; VendorNotFoundError when it is
        not one of this vendor's."""
        if not port_id.startswith(self.id_prefix) or port_id == self.id_prefix:
            raise VendorNotFoundError(
                f"{port_id!r} is not an identifier of {self.dialect.name}"
            )
        return port_id.removeprefix(self.id_prefix)

    @abstractmethod
    async def pages(self) -> list[Item]:
        """Every page the key can read. A failure here fails the whole vendor."""

    @abstractmethod
    async def page(self, page_id: str) -> Item: ...

    @abstractmethod
    def component_groups(self, page_id: str) -> AsyncIterator[list[Item]]: ...

    @abstractmethod
    def components(self, page_id: str) -> AsyncIterator[list[Item]]:
        """The page's components; a vendor that lists groups among them flags them `group`."""

    @abstractmethod
    async def component(self, page_id: str, component_id: str) -> Item: ...

    @abstractmethod
    def incidents(self, page_id: str) -> AsyncIterator[list[Item]]:
        """The page's incidents and maintenance, each with its `incident_updates`."""

    @abstractmethod
    async def incident(self, page_id: str, incident_id: str) -> Item: ...

    def incidents_since(
        self, page_id: str, since: datetime
    ) -> AsyncIterator[list[Item]]:
        """For an incremental sync: at least every incident and maintenance of the page that
        can have changed since `since`, each with its `incident_updates`. By default, all
        of them, which is correct for any vendor, at the cost of its whole list; a vendor
        whose API can narrow the list does so."""
        return self.incidents(page_id)

    async def published_status(self, page: Item) -> PublishedStatus | None:
        """The page's overall status as the vendor publishes it, in Statuspage's vocabulary;
        None when the vendor publishes none for this page (a private page, say), and the
        resync derives it. Raises VendorError when it could not be read."""
        return None

    async def component_uptime(
        self, page_id: str, component_id: str, days: int
    ) -> float | None:
        """The component's uptime percentage over the last `days` days, when the vendor
        computes one (None otherwise). Called only when `settings.uptime` is set."""
        return None

    def uptime_eligible(self, component: Item) -> bool:
        """Whether the vendor computes an uptime for this component."""
        return False

    def notification_of(self, payload: Any) -> Notification:
        """What one of the vendor's webhook deliveries says changed."""
        raise InvalidEventError(f"{self.provider} sends no webhooks")

    async def ensure_webhooks(self, endpoint: OurEndpoint, page_ids: list[str]) -> None:
        """Leaves the vendor delivering the selected pages' events to `endpoint`, once.
        Failures are logged, never raised. Only called for a vendor with a webhook path.
        """
        raise NotImplementedError(f"{self.provider} keeps no webhooks")
