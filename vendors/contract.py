"""What a vendor is to the rest of the integration: the one module every vendor package builds on,
at the bottom of the graph with the HTTP client and the settings readers.

A vendor is an adapter. It knows its API's endpoints, paging, error shape and vocabulary, and
turns what it reads into the common shape, which is Statuspage's: its fields and words
(`status`, `impact`, `group_id`, `incident_updates`, ...), `provider` set, and the vendor's own
object kept under `raw` for custom mappings. Identifiers are what Port holds: a vendor other
than Statuspage prefixes its ids with its name (`IdPrefix`), so two vendors' ids never collide;
every method takes and returns those identifiers, and only the vendor knows its API's own.

A vendor knows nothing of resyncs, memos, Port or webhook routes. What it needs of the sync it
serves (a cursor, another list of the page, what Port holds) it is handed (`Reads`); a webhook
delivery it reads into triggers (`Notification`); its webhook registrations it describes
(`WebhookScope`) for live_events to keep in order; what Port asks it to write comes as
vendor-neutral requests (`NewIncident`, `IncidentChange`, `ComponentChange`, `NewMaintenance`)
and goes back as what it now holds (`Written`). So a vendor can be exercised with an
`ApiClient` and its emulator alone.

What every vendor must provide follows from the kind table (core/kinds.py): for each per-page
list a reader of the list's name, and for each live-event family a reader of one object of the
family's name. A class that lacks one fails at import, naming it.
"""

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar, Final, Protocol, cast
from urllib.parse import quote, urlsplit

from loguru import logger

from client import (
    ApiClient,
    Dialect,
    Item,
    RetryPolicy,
    VendorError,
    VendorNotFoundError,
)
from core.kinds import Family, PageList
from core.settings import RateLimit, Setting, VendorSettings

# An incremental sync's cursor is our clock, a vendor's timestamps its own: looking this far
# before the cursor loses no change to clocks that disagree by less.
CLOCK_SKEW_ALLOWANCE: Final = timedelta(minutes=5)
# A page's overall status, lightest first, as Statuspage words it; incidents' impacts too.
INDICATORS: Final = ("none", "maintenance", "minor", "major", "critical")


# Readers of vendors' JSON fields, which are trusted for nothing: a value of the wrong type or
# shape reads as absent instead of failing the object.

# What an unreadable time reads as where one is needed to sort: before any real one.
EARLIEST: Final = datetime.min.replace(tzinfo=UTC)


def parsed_time(value: object) -> datetime | None:
    """An ISO 8601 time (`Z` or an offset; none is taken as UTC), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def moment(value: object) -> datetime:
    """`parsed_time`, or EARLIEST for a value that is no time."""
    return parsed_time(value) or EARLIEST


def objects(value: object) -> list[Item]:
    """The objects in a list; nothing for anything else."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def host_of(url: str | None) -> str | None:
    """`https://status.example.com` -> `status.example.com` (a scheme is optional)."""
    if url is None:
        return None
    return urlsplit(url if "//" in url else f"//{url}").hostname


def heaviest(impacts: object, default: str = "none") -> str:
    """The heaviest of the impacts in Statuspage's vocabulary among `impacts`."""
    known = [i for i in impacts if i in INDICATORS] if isinstance(impacts, list) else []
    return max(known, key=INDICATORS.index, default=default)


@dataclass(frozen=True)
class IdPrefix:
    """How a vendor's ids become Port's identifiers: `onlineornot-` before each."""

    prefix: str

    def port_id(self, vendor_id: str) -> str:
        return f"{self.prefix}{vendor_id}"

    def optional(self, vendor_id: object) -> str | None:
        return (
            self.port_id(vendor_id)
            if isinstance(vendor_id, str) and vendor_id
            else None
        )

    def vendor_id(self, port_id: str, vendor: str) -> str:
        """The vendor's own id in one of Port's identifiers; VendorNotFoundError when it is
        not one of this vendor's."""
        if not port_id.startswith(self.prefix) or port_id == self.prefix:
            raise VendorNotFoundError(f"{port_id!r} is not an identifier of {vendor}")
        return port_id.removeprefix(self.prefix)


@dataclass(frozen=True)
class PublishedStatus:
    """A page's status as its vendor publishes it, and when the page last changed, if said."""

    indicator: str
    description: str
    updated_at: datetime | None = None


# What the sync a vendor serves can tell it.


class PortReadError(VendorError):
    """What Port holds could not be learned; nothing may be deleted on that account."""


class PortHoldings(Protocol):
    """The current mapping of one kind, read backwards (sync/held_in_port.py)."""

    @property
    def mapped(self) -> bool:
        """Whether any resource maps the kind."""

    @property
    def fields(self) -> frozenset[str]:
        """The top-level fields the mapping puts back."""

    @property
    def complete(self) -> bool:
        """Whether that is everything the mapping reads."""

    async def held(self, id_prefix: str) -> dict[str, Item]:
        """The entities Port holds of the kind, rebuilt, by identifier."""


class Reads(Protocol):
    """What a vendor's list readers may ask of the sync they serve."""

    @property
    def since(self) -> datetime | None:
        """None in a full resync; in an incremental sync, its cursor: the lists need hold
        only what can have changed since."""

    def page_list(self, which: PageList, page_id: str) -> AsyncIterator[list[Item]]:
        """This vendor's `which` list of the page, read once in this sync."""

    def held_in_port(self, kind: str) -> PortHoldings:
        """What Port holds of `kind`; raises PortReadError when it cannot be learned."""


class PortIncidents:
    """A vendor's incidents as Port holds them, each with its updates as Port holds them: what
    a full resync yields for an incident it cannot read from the vendor now, so that Ocean's
    stale deletion keeps it as it is. Read through the current mapping, backwards
    (sync/held_in_port.py): one Port search per resource of each kind, when first needed.

    `keepable` says whether the mapping reads back whole incidents and updates, with the
    incident each update belongs to; yielding anything less would blank the rest in Port.
    """

    def __init__(
        self, reads: Reads, ids: IdPrefix, provider: str, page_id: str
    ) -> None:
        """Raises PortReadError when the incident mapping cannot be searched by."""
        self.incidents = reads.held_in_port("incident")
        self._ids = ids
        self._provider = provider
        self._page_id = page_id
        try:
            self._update_mapping: PortHoldings | None = reads.held_in_port(
                "incident_update"
            )
        except PortReadError as error:
            logger.warning(f"{provider}: {error}")
            self._update_mapping = None
        self._updates: dict[str, list[Item]] | None = None

    @property
    def keepable(self) -> bool:
        updates = self._update_mapping
        return (
            self.incidents.complete
            and updates is not None
            and updates.complete
            and (not updates.mapped or "incident_id" in updates.fields)
        )

    async def held(self) -> dict[str, Item]:
        """Port's incidents of this vendor by identifier (of every page: Port's page
        relation is not read back for sure), each as the mapping read it."""
        return await self.incidents.held(self._ids.prefix)

    async def with_updates(self, incident: Item) -> Item:
        """The incident as a list reader yields it, with the updates Port holds of it."""
        updates = (await self._updates_by_incident()).get(incident["id"], [])
        return {
            **incident,
            "page_id": self._page_id,
            "provider": self._provider,
            "incident_updates": updates,
        }

    async def _updates_by_incident(self) -> dict[str, list[Item]]:
        if self._updates is None:
            self._updates = {}
            mapping = self._update_mapping
            held = await mapping.held(self._ids.prefix) if mapping else {}
            newest_first = sorted(
                held.values(), key=lambda u: str(u.get("created_at")), reverse=True
            )
            for update in newest_first:
                incident_id = update.get("incident_id")
                if isinstance(incident_id, str):
                    self._updates.setdefault(incident_id, []).append(update)
        return self._updates


async def vanished_incidents(
    reads: Reads, ids: IdPrefix, provider: str, page_id: str, vanished: Sequence[str]
) -> list[Item]:
    """What a list reader yields for incidents its list shows but whose own read answered
    404 (deleted in between, or the vendor contradicting itself): each fails only itself.

    It is skipped in this sync, with a warning naming it. In a full resync it is yielded as
    Port holds it (`PortIncidents`), so stale deletion keeps it; once the vendor no longer
    lists it, stale deletion removes it as usual. An incremental sync deletes nothing, so
    nothing is yielded there. Raises PortReadError when Port's copy cannot be read back
    whole: the page's incidents then fail, and Ocean deletes nothing."""
    where = f"{provider} page {page_id}"
    if reads.since is not None:
        for incident_id in vanished:
            logger.warning(
                f"{where}: incident {incident_id} is listed but answered 404 when read; "
                "it is skipped in this incremental sync"
            )
        return []
    unkept = (
        f"incident(s) {', '.join(vanished)} are listed but answered 404 when read, and "
        "cannot be kept as Port holds them"
    )
    try:
        port = PortIncidents(reads, ids, provider, page_id)
    except PortReadError as error:
        raise PortReadError(f"{unkept}: {error}") from None
    if not port.keepable:
        raise PortReadError(
            f"{unkept}: the incident mappings do not read backwards (see "
            "sync/held_in_port.py)"
        )
    held = await port.held()
    kept = []
    for incident_id in vanished:
        in_port = held.get(incident_id)
        logger.warning(
            f"{where}: incident {incident_id} is listed but answered 404 when read; it is "
            "skipped in this resync"
            + (", and kept in Port as it is" if in_port else " (Port holds none)")
        )
        if in_port is not None:
            kept.append(await port.with_updates(in_port))
    return kept


# What a vendor's webhook deliveries say.


class InvalidEventError(ValueError):
    """A delivery this integration cannot act on; the message says why, without echoing it."""


_MAX_UPDATE_IDS: Final = 1_000


@dataclass(frozen=True)
class Trigger:
    """A webhook is only a trigger: this object changed, read it again. It holds what
    identifies the object, never the delivery's body."""

    provider: str
    family: Family
    page_id: str
    subject_id: str
    # For an incident: the ids of its updates the delivery named, so that an incident the API
    # confirms gone takes its updates with it.
    update_ids: tuple[str, ...] = ()

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.provider, self.family, self.page_id, self.subject_id)

    def as_json(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "family": str(self.family),
            "page_id": self.page_id,
            "subject_id": self.subject_id,
            "update_ids": list(self.update_ids),
        }

    @classmethod
    def from_json(cls, value: Any) -> "Trigger":
        if not isinstance(value, dict):
            raise InvalidEventError("a trigger is not an object")
        texts = [value.get(f) for f in ("provider", "family", "page_id", "subject_id")]
        update_ids = value.get("update_ids", [])
        if not all(isinstance(t, str) and t for t in texts):
            raise InvalidEventError("a trigger lacks its provider, family, page or id")
        if not isinstance(update_ids, list) or not all(
            isinstance(i, str) for i in update_ids
        ):
            raise InvalidEventError("a trigger's update ids are not a list of strings")
        provider, family, page_id, subject_id = (str(t) for t in texts)
        if family not in set(Family):
            raise InvalidEventError(f"a trigger names no known family: {family!r}")
        return cls(
            provider,
            Family(family),
            page_id,
            subject_id,
            tuple(update_ids[:_MAX_UPDATE_IDS]),
        )


@dataclass(frozen=True)
class Notification:
    """What one delivery says: the objects to read again, and the page's overall status
    (`status_indicator`, `status_description`) when the delivery carries it."""

    page_id: str
    triggers: tuple[Trigger, ...]
    page_status: Mapping[str, str] | None = None


# A vendor's webhook registrations, which live_events keeps delivering to this integration.


@dataclass(frozen=True)
class Registration:
    """One webhook registration as the vendor lists it."""

    id: str
    url: str
    # Why the vendor's side of it is wrong (disabled, missing events, other pages), if it is.
    problem: str | None = None
    # The email it reports failed deliveries to, where the vendor has one.
    email: str | None = None


class WebhookScope(ABC):
    """Where one webhook registration of ours must exist: each page (Statuspage) or the
    account, covering every selected page (OnlineOrNot)."""

    # How the log names a registration, and where it is (`page p1: `), if anywhere.
    noun: ClassVar[str]
    where: str = ""

    @abstractmethod
    def registrations(self) -> AsyncIterator[list[Registration]]:
        """Every webhook registration in the scope, ours or not."""

    @abstractmethod
    async def delete(self, registration_id: str) -> None: ...

    @abstractmethod
    async def create(self, url: str, email: str | None) -> str:
        """Registers `url`; returns the new registration's id."""


# What Port asks a vendor to write (the actions), in Port's identifiers and Statuspage's words,
# and what came of it.

# The statuses an incident is declared or updated with (an update may also resolve it).
OPEN_INCIDENT_STATUSES: Final = ("investigating", "identified", "monitoring")
COMPONENT_STATUSES: Final = (
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
)
IMPACTS: Final = ("none", "minor", "major", "critical")


class WriteRefusedError(VendorError):
    """The vendor does not make this write; nothing was sent."""


@dataclass(frozen=True)
class NewIncident:
    page_id: str
    name: str
    status: str
    body: str
    # Each affected component's identifier, and the status it takes.
    components: Mapping[str, str]
    # Never two incidents for one key: Port may deliver the same run twice.
    idempotency_key: str
    impact: str | None = None
    # Whether subscribers are told; None leaves it to the vendor.
    notify: bool | None = None


@dataclass(frozen=True)
class IncidentChange:
    page_id: str
    incident_id: str
    status: str
    body: str
    components: Mapping[str, str]


@dataclass(frozen=True)
class ComponentChange:
    page_id: str
    component_id: str
    status: str


@dataclass(frozen=True)
class NewMaintenance:
    page_id: str
    name: str
    body: str
    scheduled_for: datetime
    scheduled_until: datetime
    component_ids: tuple[str, ...]
    # Never two maintenances for one key.
    idempotency_key: str


class Made(StrEnum):
    """What a write makes or changes."""

    INCIDENT = "incident"
    MAINTENANCE = "maintenance"
    COMPONENT = "component"

    @property
    def family(self) -> Family:
        """The live-event family whose kinds it feeds (a maintenance is an incident)."""
        return Family.COMPONENT if self is Made.COMPONENT else Family.INCIDENT


@dataclass(frozen=True)
class Written:
    """What a write made or changed, as the vendor now holds it (in the common shape: an
    incident with its updates, or a component), and where people see it."""

    made: Made
    item: Item
    link: str | None
    # Made by an earlier delivery of the same run and found; nothing was written this time.
    found: bool = False
    # The components whose status the write changed, as the vendor now holds them.
    components: tuple[Item, ...] = ()


# The vendor.

ListReader = Callable[[str, Reads], AsyncIterator[list[Item]]]
ObjectReader = Callable[[str, str], Any]


class Vendor(ABC):
    provider: ClassVar[str]
    # The settings rows it reads (core/settings.py); the one filling `api_key` turns it on.
    setting_rows: ClassVar[tuple[Setting, ...]]
    # The setting that selects its pages (named when one is missing).
    page_ids_setting: ClassVar[str]
    dialect: ClassVar[Dialect]
    # Its own rolling-window limit, per key; rows may let users raise it.
    rate_limit: ClassVar[RateLimit]
    # Where the API's paths start under its host (`/v1`).
    api_path: ClassVar[str]
    ids: ClassVar[IdPrefix] = IdPrefix("")
    # Whether it can read components' uptime (the shared componentUptime settings apply).
    reads_uptime: ClassVar[bool] = False
    # Where (under Ocean's /integration) it delivers webhooks; None: it sends none.
    webhook_path: ClassVar[str | None] = None
    # Whether registering a webhook needs the webhookSubscriberEmail setting.
    webhook_needs_email: ClassVar[bool] = False
    # What its refusing to manage webhooks (401/403) means, when that is no failure of ours
    # (a plan without webhooks): logged as a warning with this, and live events go without.
    webhooks_refused_means: ClassVar[str | None] = None
    # A public, keyless API it reads too (pages' published status), if any. It is another
    # host than the API's, not counted against the key: it gets its own client, a small limit
    # of its own, a short deadline and few retries, since a resync falls back to deriving what
    # it would have said.
    public_dialect: ClassVar[Dialect | None] = None
    public_rate_limit: ClassVar[RateLimit] = RateLimit(requests=10, window_seconds=10)
    # Why nothing is written to it, when its API's writes cannot be relied on: each write then
    # refuses at once with this.
    writes_refused: ClassVar[str | None] = None
    public_retry_policy: ClassVar[RetryPolicy] = RetryPolicy(
        max_attempts=2,
        max_rate_limit_waits=2,
        deadline_seconds=10.0,
        max_body_bytes=1024 * 1024,
    )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        readers = [*PageList, *(f for f in Family if f is not Family.PAGE)]
        missing = [
            str(name) for name in readers if not callable(getattr(cls, name, None))
        ]
        if missing:
            raise TypeError(
                f"{cls.__name__} lacks the reader(s) the kind table asks of every vendor: "
                f"{', '.join(missing)}"
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
    def base_url(cls, settings: VendorSettings) -> str:
        """Where its API's paths start: the host setting, with `api_path` added unless the
        setting already ends with it."""
        host = settings.host.rstrip("/")
        return host if host.endswith(cls.api_path) else f"{host}{cls.api_path}"

    @property
    def name(self) -> str:
        return self.dialect.name

    def port_id(self, vendor_id: str) -> str:
        """The identifier Port holds for one of the vendor's ids."""
        return self.ids.port_id(vendor_id)

    def vendor_id(self, port_id: str) -> str:
        """The vendor's own id in one of Port's identifiers; VendorNotFoundError when it is
        not one of this vendor's."""
        return self.ids.vendor_id(port_id, self.name)

    def read_list(
        self, which: PageList, page_id: str, reads: Reads
    ) -> AsyncIterator[list[Item]]:
        """The page's `which` list, by the vendor's reader of that name: each list the kind
        table has, the page's component groups, its components (a vendor that lists groups
        among them flags them `group`), its incidents and maintenance, each with its
        `incident_updates`."""
        return cast(ListReader, getattr(self, which.value))(page_id, reads)

    async def read_one(self, family: Family, page_id: str, subject_id: str) -> Item:
        """The object a live event of `family` names, by the vendor's reader of that name;
        VendorNotFoundError when it is gone."""
        if family is Family.PAGE:
            return await self.page(page_id)
        item: Item = await cast(ObjectReader, getattr(self, family.value))(
            page_id, subject_id
        )
        return item

    @abstractmethod
    async def pages(self) -> list[Item]:
        """Every page the key can read. A failure here fails the whole vendor."""

    @abstractmethod
    async def page(self, page_id: str) -> Item: ...

    async def published_status(self, page: Item) -> PublishedStatus | None:
        """The page's overall status as the vendor publishes it, in Statuspage's vocabulary;
        None when the vendor publishes none for this page (a private page, say), and the
        resync derives it. Raises VendorError when it could not be read."""
        return None

    async def component_uptime(
        self, page_id: str, component_id: str, days: int
    ) -> float | None:
        """The component's uptime percentage over the last `days` days, when the vendor
        computes one (None otherwise). Called only when `reads_uptime` and uptime is on.
        """
        return None

    def uptime_eligible(self, component: Item) -> bool:
        """Whether the vendor computes an uptime for this component."""
        return False

    def notification_of(self, payload: Any) -> Notification:
        """What one of the vendor's webhook deliveries says changed."""
        raise InvalidEventError(f"{self.provider} sends no webhooks")

    def webhook_scopes(self, page_ids: list[str]) -> list[WebhookScope]:
        """Where one registration of ours must exist for the selected pages' events to reach
        this integration. Only asked of a vendor with a webhook path."""
        return []

    # Writes. A vendor overrides those its API makes; any other refuses at once, saying why.

    async def create_incident(self, new: NewIncident) -> Written:
        """Declares an incident; one already declared with `new.idempotency_key` is found
        instead, where the vendor can find it."""
        raise self._refused("declare an incident")

    async def update_incident(self, change: IncidentChange) -> Written:
        """Posts an update: the incident's new status, a message, components' statuses."""
        raise self._refused("update an incident")

    async def resolve_incident(self, change: IncidentChange) -> Written:
        return await self.update_incident(replace(change, status="resolved"))

    async def set_component_status(self, change: ComponentChange) -> Written:
        raise self._refused("set a component's status")

    async def schedule_maintenance(self, new: NewMaintenance) -> Written:
        """Schedules a maintenance; one already scheduled with `new.idempotency_key` is found
        instead, where the vendor can find it."""
        raise self._refused("schedule a maintenance")

    async def written(self, made: Made, page_id: str, object_id: str) -> Written:
        """What an earlier write made (recorded on its run), read again: `found`."""
        item = await self.read_one(made.family, page_id, object_id)
        return Written(made, item, await self.link_to(made, item), found=True)

    async def link_to(self, made: Made, item: Item) -> str | None:
        """Where people see what a write made: its shortlink, where it has one."""
        return text(item.get("shortlink"))

    async def link_on_its_page(self, item: Item) -> str | None:
        """`<its page's URL>/incidents/<the vendor's id>`: where a hosted status page shows
        an incident; None when the page has no URL."""
        url = (await self.page(item["page_id"])).get("url")
        raw_id = quote(self.vendor_id(item["id"]), safe="")
        return f"{url}/incidents/{raw_id}" if isinstance(url, str) else None

    def _refused(self, doing: str, why: str | None = None) -> WriteRefusedError:
        why = (
            why
            or self.writes_refused
            or "this integration does not make that write there"
        )
        return WriteRefusedError(
            f"{self.name} cannot {doing}: {why}; nothing was written"
        )
