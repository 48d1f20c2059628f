"""The emulator's state and behaviour, independent of how it is served.

The HTTP app (serving thread) and tests or the demo (other threads) share one
EmulatorCore, so every read and change of state happens under one lock.
Methods that mutate data return copies, never live objects.
"""

import copy
import hmac
import random
import threading
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Final, get_args

from . import onlineornot_objects
from .config import EmulatorConfig, RateLimitConfig
from .data import (
    IdFactory,
    affected_component,
    generate,
    incident_fields,
    incident_update_fields,
    iso_millis,
    iso_seconds,
    subscriber_fields,
)
from .faults import Fault, FaultKind, FaultPlan
from .journal import Counters, LoggedRequest
from .limits import Clock, SlidingWindowLimiter
from .model import (
    COMPONENT_STATUSES,
    IMPACTS,
    ComponentStatus,
    Impact,
    IncidentRecord,
    IncidentStatus,
    JsonObject,
    NotFoundError,
    PageState,
    SandboxState,
    SubscriberRecord,
    worst_component_status,
)
from .webhooks import (
    Delivery,
    Notification,
    component_payload,
    incident_payload,
    require_loopback,
    send,
)

_INCIDENT_STATUSES: Final = frozenset(get_args(IncidentStatus))
_DEFAULT_UPDATE_BODY: Final = "We are looking into this and will post updates here."
# Statuspage computes uptime over at most six calendar months, by default from the
# component's start date or 90 days ago, whichever is later, to today.
_MAX_UPTIME_DAYS: Final = 184
_DEFAULT_UPTIME_DAYS: Final = 90


class EmulatorCore:
    """Seeded data, request admission (auth, rate limits, faults) and mutations."""

    def __init__(
        self, config: EmulatorConfig | None = None, *, clock: Clock = time.monotonic
    ) -> None:
        self.config = config or EmulatorConfig()
        self._lock = threading.RLock()
        self.state: SandboxState = generate(self.config.data)
        runtime_rng = random.Random(f"runtime-{self.config.data.seed}")
        self._ids = IdFactory(runtime_rng, taken=self.state.object_ids())
        rate = self.config.rate_limit
        self._clock = clock
        self._limiter = SlidingWindowLimiter(rate.limit, rate.window_seconds)
        self._rate_limit_status = rate.status
        self._latency = self.config.latency_seconds
        self._faults = FaultPlan()
        self._log: list[LoggedRequest] = []
        self._last_component_updates: dict[str, JsonObject] = {}
        # OnlineOrNot's webhooks belong to the account, not to a page.
        self._onlineornot_webhooks: dict[str, JsonObject] = {}
        self._stopping = threading.Event()

    # Serving -------------------------------------------------------------------

    @contextmanager
    def reading(self) -> Iterator[SandboxState]:
        """Hold the lock while a response is built from live state."""
        with self._lock:
            yield self.state

    def is_valid_key(self, key: str) -> bool:
        return any(
            hmac.compare_digest(key.encode(), known.encode())
            for known in self.config.api_keys
        )

    def now(self) -> float:
        """The emulator's clock: what request stamps and rate-limit windows are measured on."""
        return self._clock()

    def admit(self, key: str, arrived: float) -> float | None:
        """None if a request that arrived at `arrived` may proceed, else seconds until it could."""
        with self._lock:
            wait = self._limiter.wait_time(key, arrived)
            if wait > 0:
                return wait
            self._limiter.record(key, arrived)
            return None

    @property
    def stopping(self) -> bool:
        """True while the server shuts down: deliberate waits end early then."""
        return self._stopping.is_set()

    def begin_shutdown(self) -> None:
        self._stopping.set()

    def end_shutdown(self) -> None:
        self._stopping.clear()

    @property
    def rate_limit_status(self) -> int:
        return self._rate_limit_status

    @property
    def latency(self) -> float:
        return self._latency

    def take_fault(self, method: str, path: str, template: str | None) -> Fault | None:
        with self._lock:
            return self._faults.take(method, path, template)

    def record_request(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._log.append(entry)

    # Observation and knobs -----------------------------------------------------

    @property
    def log(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    @property
    def counters(self) -> Counters:
        with self._lock:
            return Counters.of(self._log)

    def reset_observations(self) -> None:
        """Forget the request log, counters and rate-limit windows."""
        with self._lock:
            self._log.clear()
            self._limiter.reset()

    def set_rate_limit(
        self, limit: int, window_seconds: float, status: int | None = None
    ) -> None:
        """Replace the rolling limit (0 disables it); its window starts empty."""
        RateLimitConfig(limit, window_seconds, status or 420)  # checks them
        with self._lock:
            self._limiter.limit = limit
            self._limiter.window = window_seconds
            self._limiter.reset()
            if status is not None:
                self._rate_limit_status = status

    def set_latency(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("latency must be >= 0")
        with self._lock:
            self._latency = seconds

    def inject_fault(
        self,
        pattern: str,
        kind: FaultKind,
        *,
        count: int = 1,
        status: int = 500,
        seconds: float = 0.0,
        method: str | None = None,
        retry_after: str | None = None,
    ) -> None:
        """Arm a fault for the next `count` API calls matching `pattern`."""
        fault = Fault(pattern, kind, count, status, seconds, method, retry_after)
        with self._lock:
            self._faults.arm(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def page_status(self, page_id: str) -> tuple[str, str]:
        """The page's (status_indicator, status_description), as webhooks carry."""
        with self._lock:
            page = self.state.page(page_id)
            return page.status_indicator, page.status_description

    def set_page_private(self, page_id: str, private: bool = True) -> None:
        """A private page's viewers must be team members: its public status API refuses."""
        with self._lock:
            self.state.page(page_id).private = private

    def set_page_url(self, page_id: str, url: str) -> None:
        """The page's `url` points elsewhere than this emulator's public status API."""
        with self._lock:
            self.state.page(page_id).url = url

    def component_uptime(
        self,
        page_id: str,
        component_id: str,
        start: date | None = None,
        end: date | None = None,
    ) -> JsonObject:
        """The component's uptime over [start, end], whole days: made up, but the same for
        the same component and range. Raises ValueError where Statuspage answers 422."""
        with self._lock:
            component = copy.deepcopy(self.state.page(page_id).component(component_id))
        # The emulator's guess at Statuspage's answer for what it computes no uptime for.
        if component["group"] or not component.get("showcase"):
            raise ValueError("Uptime is only computed for components that showcase it")
        end = end or datetime.now(UTC).date()
        start = start or _default_uptime_start(component, end)
        if start > end:
            raise ValueError("The start date must not be after the end date")
        if (end - start).days + 1 > _MAX_UPTIME_DAYS:
            raise ValueError("The maximum supported date range is six calendar months")
        seconds = ((end - start).days + 1) * 86_400
        seed = zlib.crc32(f"{component_id}:{start}:{end}".encode())
        percentage = round(100 - (seed % 300) / 100, 2)
        down = round(seconds * (100 - percentage) / 100)
        return {
            "id": component_id,
            "name": component["name"],
            "range_start": start.isoformat(),
            "range_end": end.isoformat(),
            "uptime_percentage": percentage,
            "major_outage": down // 3,
            "partial_outage": down - down // 3,
            "warnings": None,
        }

    # Data changes --------------------------------------------------------------

    def add_incident(
        self,
        page_id: str,
        *,
        name: str | None = None,
        status: IncidentStatus = "investigating",
        impact: Impact = "minor",
        component_ids: tuple[str, ...] = (),
        body: str | None = None,
        component_statuses: Mapping[str, ComponentStatus] | None = None,
        impact_override: Impact | None = None,
        metadata: JsonObject | None = None,
        scheduled: tuple[datetime, datetime] | None = None,
    ) -> JsonObject:
        """Open a new incident (newest first in lists) with one update. Components named in
        `component_statuses` are affected too and take those statuses; a maintenance is
        `scheduled` (from, until)."""
        _check_choice("incident status", status, _INCIDENT_STATUSES)
        _check_choice("impact", impact_override or impact, IMPACTS)
        with self._lock:
            page = self.state.page(page_id)
            now = datetime.now(UTC)
            statuses = component_statuses or {}
            affected_ids = tuple(dict.fromkeys([*component_ids, *statuses]))
            affected = self._affect(page, affected_ids, statuses, now)
            incident_id = self._ids.new()
            update = incident_update_fields(
                self._ids.new(),
                incident_id,
                status,
                body or _DEFAULT_UPDATE_BODY,
                now,
                affected,
            )
            fields = incident_fields(
                incident_id=incident_id,
                page_id=page_id,
                name=name or f"Incident {incident_id}",
                status=status,
                impact=impact_override or impact,
                created=now,
                updates=[update],
                shortlink=f"https://stspg.io/{self._ids.new()}",
                postmortem_ignored=False,
            )
            fields["impact_override"] = impact_override
            fields["metadata"] = copy.deepcopy(metadata or {})
            if scheduled is not None:
                fields["scheduled_for"] = iso_seconds(scheduled[0])
                fields["scheduled_until"] = iso_seconds(scheduled[1])
            record = IncidentRecord(fields=fields, component_ids=list(affected_ids))
            page.incidents = {incident_id: record, **page.incidents}
            page.refresh_status(iso_seconds(now))
            return copy.deepcopy(page.render_incident(incident_id))

    def add_incident_update(
        self,
        page_id: str,
        incident_id: str,
        status: IncidentStatus,
        body: str | None = None,
        component_statuses: Mapping[str, ComponentStatus] | None = None,
        component_ids: Sequence[str] | None = None,
    ) -> JsonObject:
        """Post an update that moves the incident to `status`, and the components named in
        `component_statuses` to theirs; `component_ids`, if given, is the incident's whole
        list of affected components."""
        _check_choice("incident status", status, _INCIDENT_STATUSES)
        with self._lock:
            page = self.state.page(page_id)
            record = page.incident(incident_id)
            now = datetime.now(UTC)
            statuses = component_statuses or {}
            affected = self._affect(page, tuple(statuses), statuses, now)
            listed = record.component_ids if component_ids is None else component_ids
            record.component_ids = list(dict.fromkeys([*listed, *statuses]))
            update = incident_update_fields(
                self._ids.new(),
                incident_id,
                status,
                body or _DEFAULT_UPDATE_BODY,
                now,
                affected,
            )
            fields = record.fields
            fields["incident_updates"] = [update, *fields["incident_updates"]]
            fields["status"] = status
            fields["updated_at"] = iso_seconds(now)
            if status == "monitoring" and fields.get("monitoring_at") is None:
                fields["monitoring_at"] = iso_seconds(now)
            if status in ("resolved", "completed"):
                fields["resolved_at"] = iso_seconds(now)
            page.refresh_status(iso_seconds(now))
            return copy.deepcopy(page.render_incident(incident_id))

    def remove_incident(self, page_id: str, incident_id: str) -> JsonObject:
        """Delete an incident; returns it as it was."""
        with self._lock:
            page = self.state.page(page_id)
            removed = page.render_incident(incident_id)
            del page.incidents[incident_id]
            page.refresh_status(iso_seconds(datetime.now(UTC)))
            return copy.deepcopy(removed)

    def set_component_status(
        self, page_id: str, component_id: str, status: ComponentStatus
    ) -> JsonObject:
        """Change a component's status; returns the component_update record."""
        _check_choice("component status", status, COMPONENT_STATUSES)
        with self._lock:
            page = self.state.page(page_id)
            now = datetime.now(UTC)
            update = self._change_component(page, component_id, status, now)
            page.refresh_status(iso_seconds(now))
            return dict(update)

    def _change_component(
        self, page: PageState, component_id: str, status: str, now: datetime
    ) -> JsonObject:
        """Sets a member component's status; returns the component_update record."""
        component = page.component(component_id)
        if component["group"]:
            raise ValueError("a group's status follows its members; change those")
        update = {
            "created_at": iso_millis(now),
            "new_status": status,
            "old_status": component["status"],
            "id": self._ids.new(),
            "component_id": component_id,
        }
        component["status"] = status
        component["updated_at"] = iso_seconds(now)
        self._refresh_group_container(page, component.get("group_id"))
        self._last_component_updates[component_id] = update
        return update

    def _affect(
        self,
        page: PageState,
        component_ids: tuple[str, ...],
        statuses: Mapping[str, str],
        now: datetime,
    ) -> list[JsonObject] | None:
        """An update's affected components, each moved to its status in `statuses` if any."""
        for component_id, status in statuses.items():
            _check_choice("component status", status, COMPONENT_STATUSES)
            page.component(component_id)
        affected = []
        for component_id in component_ids:
            old = page.component(component_id)["status"]
            new = statuses.get(component_id, old)
            if new != old:
                self._change_component(page, component_id, new, now)
            affected.append(
                affected_component(page, page.component(component_id), old, new)
            )
        return affected or None

    def amend_incident(
        self, page_id: str, incident_id: str, name: str, impact: Impact | None
    ) -> JsonObject:
        """Rename an incident and set (or clear) its impact override, as OnlineOrNot's PATCH
        of an incident does."""
        if impact is not None:
            _check_choice("impact", impact, IMPACTS)
        with self._lock:
            page = self.state.page(page_id)
            fields = page.incident(incident_id).fields
            fields["name"] = name
            fields["impact_override"] = impact
            if impact is not None:
                fields["impact"] = impact
            fields["updated_at"] = iso_seconds(datetime.now(UTC))
            page.refresh_status(fields["updated_at"])
            return copy.deepcopy(page.render_incident(incident_id))

    def create_subscriber(
        self, page_id: str, endpoint: str, email: str | None = None
    ) -> JsonObject:
        """Subscribe a webhook, the one kind of subscriber the integration makes."""
        with self._lock:
            page = self.state.page(page_id)
            subscriber_id = self._ids.new()
            fields = subscriber_fields(
                subscriber_id,
                "webhook",
                datetime.now(UTC),
                email=email,
                endpoint=endpoint,
            )
            page.subscribers[subscriber_id] = SubscriberRecord(fields, "active")
            return copy.deepcopy(fields)

    def unsubscribe(self, page_id: str, subscriber_id: str) -> JsonObject:
        with self._lock:
            page = self.state.page(page_id)
            record = page.subscriber(subscriber_id)
            del page.subscribers[subscriber_id]
            return copy.deepcopy(record.fields)

    # Webhooks ------------------------------------------------------------------

    def incident_webhook_payload(
        self, page_id: str, incident_id: str, subscriber_id: str | None = None
    ) -> JsonObject:
        with self._lock:
            page = self.state.page(page_id)
            incident = page.render_incident(incident_id)
            return copy.deepcopy(incident_payload(page, incident, subscriber_id))

    def component_webhook_payload(
        self, page_id: str, component_id: str, subscriber_id: str | None = None
    ) -> JsonObject:
        """The payload for the component's latest status change."""
        with self._lock:
            page = self.state.page(page_id)
            component = page.component(component_id)
            update = self._last_component_updates.get(component_id) or {
                "created_at": iso_millis(datetime.now(UTC)),
                "new_status": component["status"],
                "old_status": component["status"],
                "id": self._ids.new(),
                "component_id": component_id,
            }
            payload = component_payload(page, component, update, subscriber_id)
            return copy.deepcopy(payload)

    def send_webhook(self, url: str, payload: JsonObject) -> Delivery:
        """POST any payload to a loopback URL."""
        require_loopback(url)
        return send(Notification(url, payload))

    def broadcast_incident(self, page_id: str, incident_id: str) -> list[Delivery]:
        """Notify every webhook subscriber (only loopback ones are contacted)."""
        return [
            send(
                Notification(
                    url, self.incident_webhook_payload(page_id, incident_id, sid), sid
                )
            )
            for sid, url in self.webhook_subscribers(page_id)
        ]

    def broadcast_component(self, page_id: str, component_id: str) -> list[Delivery]:
        return [
            send(
                Notification(
                    url, self.component_webhook_payload(page_id, component_id, sid), sid
                )
            )
            for sid, url in self.webhook_subscribers(page_id)
        ]

    def webhook_subscribers(self, page_id: str) -> list[tuple[str, str]]:
        """(subscriber id, endpoint) of the page's active webhook subscribers."""
        with self._lock:
            page = self.state.page(page_id)
            return [
                (sid, str(record.fields["endpoint"]))
                for sid, record in page.subscribers.items()
                if record.fields["mode"] == "webhook" and record.state == "active"
            ]

    # OnlineOrNot webhooks -------------------------------------------------------

    def onlineornot_webhooks(self) -> list[JsonObject]:
        with self._lock:
            return copy.deepcopy(list(self._onlineornot_webhooks.values()))

    def create_onlineornot_webhook(
        self,
        url: str,
        events: list[str],
        status_page_ids: list[str],
        description: str | None = None,
    ) -> JsonObject:
        """An OnlineOrNot webhook delivering `events` of the pages to `url`."""
        with self._lock:
            pages = [self.state.pages.get(page_id) for page_id in status_page_ids]
            if not all(pages):
                raise ValueError(
                    "status_page_ids names a status page that does not exist"
                )
            stamp = iso_millis(datetime.now(UTC))
            webhook_id = self._ids.new()
            webhook: JsonObject = {
                "id": webhook_id,
                "url": url,
                "description": description,
                "events": list(events),
                "status_pages": [
                    {"id": page.page_id, "name": page.page["name"]}
                    for page in pages
                    if page is not None
                ],
                "checks": [],
                "heartbeats": [],
                "created_at": stamp,
                "updated_at": stamp,
            }
            self._onlineornot_webhooks[webhook_id] = webhook
            return copy.deepcopy(webhook)

    def delete_onlineornot_webhook(self, webhook_id: str) -> JsonObject:
        with self._lock:
            if webhook_id not in self._onlineornot_webhooks:
                raise NotFoundError(f"webhook {webhook_id} not found")
            return self._onlineornot_webhooks.pop(webhook_id)

    def broadcast_onlineornot_incident(
        self,
        page_id: str,
        incident_id: str,
        event: str = "status_page.incident.updated",
    ) -> list[Delivery]:
        """Deliver an OnlineOrNot incident `event` to each webhook that subscribes to it for the
        incident's page (only loopback ones are contacted)."""
        with self._lock:
            page = self.state.page(page_id)
            payload = onlineornot_objects.incident_event(
                page, page.render_incident(incident_id), event
            )
            notifications = [
                Notification(webhook["url"], copy.deepcopy(payload), webhook["id"])
                for webhook in self._onlineornot_webhooks.values()
                if event in webhook["events"]
                and page_id in {p["id"] for p in webhook["status_pages"]}
            ]
        return [send(n) for n in notifications]

    @staticmethod
    def _refresh_group_container(page: PageState, group_id: str | None) -> None:
        if group_id is None or group_id not in page.components:
            return
        members = [
            c["status"] for c in page.components.values() if c["group_id"] == group_id
        ]
        page.components[group_id]["status"] = worst_component_status(members)


def _default_uptime_start(component: JsonObject, end: date) -> date:
    earliest = end - timedelta(days=_DEFAULT_UPTIME_DAYS)
    started = component.get("start_date")
    return max(date.fromisoformat(started), earliest) if started else earliest


def _check_choice(
    what: str, value: str, allowed: frozenset[str] | tuple[str, ...]
) -> None:
    if value not in allowed:
        raise ValueError(f"unknown {what}: {value!r}")
