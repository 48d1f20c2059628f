"""Seeded, deterministic generation of an emulated Statuspage account.

The same DataConfig always yields the same account: every random choice comes
from one random.Random seeded with DataConfig.seed, and timestamps are laid out
from a fixed anchor, never from the current time. The docs' sample page, group,
component and incident are always part of it, unchanged.
"""

import random
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from .config import DataConfig
from .model import (
    IncidentRecord,
    JsonObject,
    PageState,
    SandboxState,
    SubscriberRecord,
    SubscriberState,
    worst_component_status,
)
from .samples import sample, sample_incident_components

_ID_ALPHABET: Final = string.ascii_lowercase + string.digits
_ID_LENGTH: Final = 12
_ANCHOR: Final = datetime(2023, 1, 2, 9, 0, tzinfo=UTC)
_INCIDENT_SPAN: Final = timedelta(days=500)

# Names for generated objects; past the end of a list they repeat, numbered (`API 2`).
_COMPANIES: Final = ("Acme Cloud", "Northwind", "Globex Analytics", "Hooli Mail")
_GROUP_NAMES: Final = ("Core Platform", "Frontend", "Data", "Integrations", "Payments")
_COMPONENT_NAMES: Final = ("API", "Dashboard", "Login", "Database", "Search", "CDN")
_REALTIME_NAMES: Final = (
    "{} unavailable",
    "Elevated error rates on {}",
    "Degraded performance of {}",
    "Increased latency on {}",
    "Intermittent failures in {}",
)
_MAINTENANCE_NAMES: Final = ("Scheduled maintenance of {}", "Planned upgrade of {}")
_UPDATE_BODIES: Final = {
    "investigating": "We are investigating reports of problems with {}.",
    "identified": "The cause of the {} issue has been identified; a fix is underway.",
    "monitoring": "A fix for {} has been deployed and we are monitoring the results.",
    "resolved": "This incident affecting {} has been resolved.",
    "scheduled": "Maintenance of {} is scheduled; we will post updates here.",
    "in_progress": "Maintenance of {} is in progress.",
    "completed": "Maintenance of {} has been completed.",
}
_REALTIME_FLOW: Final = ("investigating", "identified", "monitoring", "resolved")
_MAINTENANCE_FLOW: Final = ("scheduled", "in_progress", "completed")
_OUTAGE_STATUSES: Final = ("degraded_performance", "partial_outage", "major_outage")
_IMPACTS_OF_OUTAGES: Final = ("minor", "major", "critical")
# Incident phases during which the affected components are not operational.
_DISRUPTED_PHASES: Final = frozenset(
    {"investigating", "identified", "monitoring", "in_progress"}
)
_OPEN_INCIDENTS_AT_MOST: Final = 3
_STEADY_STATUSES: Final = (
    *(["operational"] * 17),
    "degraded_performance",
    "partial_outage",
    "under_maintenance",
)
# Every page gets the same mix, including subscribers the integration must
# never touch: people, an SMS number, a Slack channel and a foreign webhook.
_SUBSCRIBER_RECIPE: Final[tuple[tuple[str, SubscriberState], ...]] = (
    ("email", "active"),
    ("email", "active"),
    ("email", "active"),
    ("email", "unconfirmed"),
    ("email", "quarantined"),
    ("sms", "active"),
    ("slack", "active"),
    ("webhook", "active"),
)


class IdFactory:
    """Statuspage-style ids (12 lowercase alphanumerics) that never repeat."""

    def __init__(self, rng: random.Random, taken: Iterable[str] = ()) -> None:
        self._rng = rng
        self._taken = set(taken)

    def new(self) -> str:
        while True:
            candidate = "".join(self._rng.choices(_ID_ALPHABET, k=_ID_LENGTH))
            if candidate not in self._taken:
                self._taken.add(candidate)
                return candidate


def iso_seconds(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_millis(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return f"{utc.strftime('%Y-%m-%dT%H:%M:%S')}.{utc.microsecond // 1000:03d}Z"


def subscriber_fields(
    subscriber_id: str,
    mode: str,
    created_at: datetime,
    *,
    email: str | None = None,
    endpoint: str | None = None,
    phone_number: str | None = None,
    channel: str | None = None,
    quarantined: bool = False,
) -> JsonObject:
    """A subscriber object with the fields of every mode, unused ones null."""
    return {
        "id": subscriber_id,
        "mode": mode,
        "email": email,
        "endpoint": endpoint,
        "phone_number": phone_number,
        "phone_country": "US" if phone_number else None,
        "display_phone_number": phone_number,
        "obfuscated_channel_name": channel,
        "workspace_name": "Operations" if channel else None,
        "skip_confirmation_notification": False,
        "quarantined_at": (
            iso_millis(created_at + timedelta(days=3)) if quarantined else None
        ),
        "purge_at": None,
        "created_at": iso_millis(created_at),
        "component_ids": [],
        "page_access_user": None,
    }


def generate(config: DataConfig) -> SandboxState:
    """Build the whole account described by `config`."""
    return _Generator(config).build()


@dataclass
class _Layout:
    """Where generated groups and components start on a page."""

    first_position: int
    not_before: datetime


class _Generator:
    def __init__(self, config: DataConfig) -> None:
        self._config = config
        self._rng = random.Random(config.seed)
        self._ids = IdFactory(self._rng, taken=_sample_ids())

    def build(self) -> SandboxState:
        state = SandboxState()
        pages = [self._sample_page()]
        pages += [self._generated_page(index) for index in range(1, self._config.pages)]
        for page in pages:
            page.refresh_status()
            state.pages[page.page_id] = page
        return state

    # Pages -------------------------------------------------------------------

    def _sample_page(self) -> PageState:
        page = PageState(page=sample("page"))
        group = sample("component_group")
        page.groups[group["id"]] = group
        incident = sample("incident")
        members = {c["id"]: c for c in sample_incident_components()}
        container = self._group_container(
            group, [members[m] for m in group["components"]]
        )
        ordered = [sample("component"), *members.values(), container]
        for component in _display_order(ordered):
            page.components[component["id"]] = component
        config = self._config
        layout = _Layout(
            first_position=max(c["position"] for c in ordered) + 1,
            not_before=_parse(page.page["created_at"]),
        )
        sample_members = sum(1 for c in page.components.values() if not c["group"])
        self._add_structure(
            page,
            max(config.groups - len(page.groups), 0),
            max(config.components - sample_members, 0),
            layout,
        )
        incidents = self._incidents(page, max(config.incidents - 1, 0))
        incidents.append(
            IncidentRecord(
                fields={k: v for k, v in incident.items() if k != "components"},
                component_ids=[c["id"] for c in incident["components"]],
            )
        )
        self._store_incidents(page, incidents)
        self._add_subscribers(page)
        return page

    def _generated_page(self, index: int) -> PageState:
        company = _numbered(_COMPANIES, index - 1)
        created = _ANCHOR + timedelta(
            days=self._rng.randint(0, 60), seconds=self._rng.randint(0, 86399)
        )
        slug = "".join(ch for ch in company.lower() if ch.isalnum())
        record = sample("page")
        record.update(
            {
                "id": self._ids.new(),
                "created_at": iso_seconds(created),
                "updated_at": iso_seconds(
                    created + timedelta(days=self._rng.randint(1, 400))
                ),
                "name": company,
                "page_description": f"Live status of {company} services",
                "headline": f"{company} system status",
                "subdomain": slug,
                "domain": f"status.{slug}.example.com",
                "url": f"https://status.{slug}.example.com",
                "support_url": f"https://{slug}.example.com/support",
                "allow_webhook_subscribers": True,
                "notifications_email_footer": (
                    "You received this email because you are subscribed to "
                    f"{company}'s service status notifications."
                ),
                "activity_score": self._rng.randint(0, 1000),
                "time_zone": self._rng.choice(
                    ("UTC", "America/New_York", "Europe/Berlin")
                ),
            }
        )
        page = PageState(page=record)
        layout = _Layout(first_position=1, not_before=created)
        self._add_structure(page, self._config.groups, self._config.components, layout)
        self._store_incidents(page, self._incidents(page, self._config.incidents))
        self._add_subscribers(page)
        return page

    # Groups and components ---------------------------------------------------

    def _add_structure(
        self, page: PageState, group_count: int, component_count: int, layout: _Layout
    ) -> None:
        offset = len(page.groups)
        groups = [self._group(page, offset + i, layout) for i in range(group_count)]
        members: dict[str, list[JsonObject]] = {g["id"]: [] for g in groups}
        top_level: list[JsonObject] = []
        name_offset = sum(1 for c in page.components.values() if not c["group"])
        for index in range(component_count):
            group = self._pick_group(groups, index)
            group_id = group["id"] if group else None
            position = len(members[group_id]) + 1 if group_id else 0
            component = self._component(
                page, name_offset + index, group_id, position, layout
            )
            if group_id:
                members[group_id].append(component)
            else:
                top_level.append(component)
        containers = [self._group_container(g, members[g["id"]]) for g in groups]
        for g in groups:
            g["components"] = [m["id"] for m in members[g["id"]]]
            page.groups[g["id"]] = g
        top_level += containers
        self._rng.shuffle(top_level)
        for position, item in enumerate(top_level, start=layout.first_position):
            item["position"] = position
            if item["group"]:
                page.groups[item["id"]]["position"] = position
            page.components[item["id"]] = item
            for member in members.get(item["id"], []):
                page.components[member["id"]] = member

    def _pick_group(
        self, groups: Sequence[JsonObject], index: int
    ) -> JsonObject | None:
        if not groups:
            return None
        if index < len(groups):
            return groups[index]  # every group gets at least one member
        if self._rng.random() < 0.4:
            return None
        return self._rng.choice(groups)

    def _group(self, page: PageState, index: int, layout: _Layout) -> JsonObject:
        created = self._moment_after(layout.not_before, max_days=30)
        return {
            "id": self._ids.new(),
            "page_id": page.page_id,
            "name": _numbered(_GROUP_NAMES, index),
            "description": self._rng.choice((None, "Services grouped for display")),
            "components": [],
            "position": 0,
            "created_at": iso_seconds(created),
            "updated_at": iso_seconds(created),
        }

    def _component(
        self,
        page: PageState,
        index: int,
        group_id: str | None,
        position: int,
        layout: _Layout,
    ) -> JsonObject:
        created = self._moment_after(layout.not_before, max_days=30)
        updated = self._moment_after(created, max_days=300)
        return {
            "id": self._ids.new(),
            "page_id": page.page_id,
            "group_id": group_id,
            "created_at": iso_seconds(created),
            "updated_at": iso_seconds(updated),
            "group": False,
            "name": _numbered(_COMPONENT_NAMES, index),
            "description": self._rng.choice((None, "Customer-facing service")),
            "position": position,
            "status": self._rng.choice(_STEADY_STATUSES),
            "showcase": self._rng.random() < 0.8,
            "only_show_if_degraded": self._rng.random() < 0.1,
            "automation_email": self._automation_email(),
            "start_date": (
                created.date().isoformat() if self._rng.random() < 0.9 else None
            ),
        }

    def _group_container(
        self, group: JsonObject, members: list[JsonObject]
    ) -> JsonObject:
        """The component Statuspage lists for a group: same id, `group: true`."""
        return {
            "id": group["id"],
            "page_id": group["page_id"],
            "group_id": None,
            "created_at": group["created_at"],
            "updated_at": group["updated_at"],
            "group": True,
            "name": group["name"],
            "description": group["description"],
            "position": group["position"],
            "status": worst_component_status([m["status"] for m in members]),
            "showcase": False,
            "only_show_if_degraded": False,
            "automation_email": self._automation_email(),
            "start_date": group["created_at"][:10],
        }

    def _automation_email(self) -> str:
        token = "".join(self._rng.choices("0123456789abcdef", k=32))
        return f"component+{token}@notifications.statuspage.io"

    # Incidents ---------------------------------------------------------------

    def _incidents(self, page: PageState, count: int) -> list[IncidentRecord]:
        span = _INCIDENT_SPAN.total_seconds()
        page_created = _parse(page.page["created_at"])
        starts = sorted(
            (
                page_created + timedelta(seconds=self._rng.uniform(0, span))
                for _ in range(count)
            ),
            reverse=True,
        )
        # Only the most recent incidents may still be open, as on a real page.
        return [
            self._incident(page, created, may_be_open=rank < _OPEN_INCIDENTS_AT_MOST)
            for rank, created in enumerate(starts)
        ]

    def _incident(
        self, page: PageState, created: datetime, *, may_be_open: bool
    ) -> IncidentRecord:
        members = [c for c in page.components.values() if not c["group"]]
        chosen = self._rng.sample(members, k=self._rng.randint(0, min(4, len(members))))
        subject = chosen[0]["name"] if chosen else "multiple services"
        maintenance = self._rng.random() < 0.2
        flow = _MAINTENANCE_FLOW if maintenance else _REALTIME_FLOW
        final = len(flow) - 1
        if may_be_open and self._rng.random() < 0.5:
            final = self._rng.randrange(len(flow) - 1)
        incident_id = self._ids.new()
        trail = self._status_trail(flow, final)
        updates = self._updates(
            page, incident_id, chosen, trail, created, maintenance, subject
        )
        names = _MAINTENANCE_NAMES if maintenance else _REALTIME_NAMES
        fields = incident_fields(
            incident_id=incident_id,
            page_id=page.page_id,
            name=self._rng.choice(names).format(subject),
            status=flow[final],
            impact="none" if maintenance else self._rng.choice(_IMPACTS_OF_OUTAGES),
            created=created,
            updates=updates,
            shortlink=f"https://stspg.io/{self._ids.new()}",
            postmortem_ignored=self._rng.random() < 0.5,
        )
        return IncidentRecord(fields=fields, component_ids=[c["id"] for c in chosen])

    def _status_trail(self, flow: Sequence[str], final: int) -> list[str]:
        """Update statuses, oldest first, moving forward through the flow."""
        count = self._config.updates
        if count <= 1:
            return [flow[final]] * count
        middle = sorted(self._rng.randint(0, final) for _ in range(count - 2))
        return [flow[0], *(flow[i] for i in middle), flow[final]]

    def _updates(
        self,
        page: PageState,
        incident_id: str,
        components: list[JsonObject],
        trail: list[str],
        created: datetime,
        maintenance: bool,
        subject: str,
    ) -> list[JsonObject]:
        outage = (
            "under_maintenance" if maintenance else self._rng.choice(_OUTAGE_STATUSES)
        )
        previous = {c["id"]: "operational" for c in components}
        moment = created + timedelta(milliseconds=self._rng.randint(20, 900))
        updates: list[JsonObject] = []
        for status in trail:
            new_status = outage if status in _DISRUPTED_PHASES else "operational"
            affected = None
            if components and self._rng.random() < 0.75:
                affected = [
                    affected_component(page, c, previous[c["id"]], new_status)
                    for c in components
                ]
            previous = dict.fromkeys(previous, new_status)
            updates.append(
                incident_update_fields(
                    self._ids.new(),
                    incident_id,
                    status,
                    _UPDATE_BODIES[status].format(subject),
                    moment,
                    affected,
                )
            )
            moment += timedelta(
                minutes=self._rng.randint(5, 240),
                milliseconds=self._rng.randint(0, 999),
            )
        updates.reverse()  # Statuspage lists the newest update first
        return updates

    @staticmethod
    def _store_incidents(page: PageState, incidents: list[IncidentRecord]) -> None:
        newest_first = sorted(
            incidents, key=lambda r: _parse(r.fields["created_at"]), reverse=True
        )
        page.incidents = {r.fields["id"]: r for r in newest_first}

    # Subscribers -------------------------------------------------------------

    def _add_subscribers(self, page: PageState) -> None:
        moment = _parse(page.page["created_at"]) + timedelta(days=1)
        for index, (mode, state) in enumerate(_SUBSCRIBER_RECIPE):
            moment = self._moment_after(moment, max_days=20)
            subscriber_id = self._ids.new()
            fields = subscriber_fields(
                subscriber_id,
                mode,
                moment,
                quarantined=state == "quarantined",
                **self._contact(mode, index, subscriber_id),
            )
            page.subscribers[subscriber_id] = SubscriberRecord(
                fields=fields, state=state
            )

    def _contact(self, mode: str, index: int, subscriber_id: str) -> dict[str, str]:
        """Where a seeded subscriber of `mode` is notified."""
        if mode == "sms":
            return {"phone_number": f"+1555{self._rng.randint(1000000, 9999999)}"}
        if mode == "slack":
            return {"channel": "#status-updates"}
        contact = {"email": f"subscriber{index + 1}@example.com"}
        if mode == "webhook":
            # Someone else's receiver: the integration must leave it alone.
            contact["endpoint"] = (
                f"https://hooks.example.com/statuspage/{subscriber_id}"
            )
        return contact

    def _moment_after(self, start: datetime, *, max_days: int) -> datetime:
        return start + timedelta(seconds=self._rng.randint(60, max_days * 86400))


def incident_update_fields(
    update_id: str,
    incident_id: str,
    status: str,
    body: str,
    moment: datetime,
    affected_components: list[JsonObject] | None,
) -> JsonObject:
    """An incident update with the fields the docs' sample shows."""
    stamp = iso_millis(moment)
    return {
        "id": update_id,
        "incident_id": incident_id,
        "affected_components": affected_components,
        "body": body,
        "created_at": stamp,
        "custom_tweet": None,
        "deliver_notifications": True,
        "display_at": stamp,
        "status": status,
        "tweet_id": None,
        "twitter_updated_at": None,
        "updated_at": stamp,
        "wants_twitter_update": False,
    }


def incident_fields(
    *,
    incident_id: str,
    page_id: str,
    name: str,
    status: str,
    impact: str,
    created: datetime,
    updates: list[JsonObject],
    shortlink: str,
    postmortem_ignored: bool,
) -> JsonObject:
    """An incident's own fields (without embedded components), sample-shaped."""
    maintenance = status in _MAINTENANCE_FLOW
    # Updates are newest first, so the oldest update of each status wins here.
    first_seen = {u["status"]: u["created_at"] for u in updates}
    last_change = updates[0]["created_at"] if updates else iso_millis(created)
    scheduled_for = first_seen.get("in_progress") if maintenance else None
    if maintenance and scheduled_for is None:
        scheduled_for = iso_millis(created + timedelta(days=2))
    closed_at = first_seen.get("resolved") or first_seen.get("completed")
    return {
        "id": incident_id,
        "created_at": iso_seconds(created),
        "impact": impact,
        "impact_override": None,
        "incident_updates": updates,
        "metadata": {},
        "monitoring_at": _to_seconds(first_seen.get("monitoring")),
        "name": name,
        "page_id": page_id,
        "postmortem_body": None,
        "postmortem_body_last_updated_at": None,
        "postmortem_ignored": postmortem_ignored,
        "postmortem_notified_subscribers": False,
        "postmortem_notified_twitter": False,
        "postmortem_published_at": None,
        "resolved_at": _to_seconds(closed_at),
        "scheduled_auto_completed": maintenance,
        "scheduled_auto_in_progress": maintenance,
        "scheduled_for": _to_seconds(scheduled_for),
        "auto_transition_deliver_notifications_at_end": maintenance or None,
        "auto_transition_deliver_notifications_at_start": maintenance or None,
        "auto_transition_to_maintenance_state": maintenance or None,
        "auto_transition_to_operational_state": maintenance or None,
        "scheduled_remind_prior": maintenance,
        "scheduled_reminded_at": None,
        "scheduled_until": _scheduled_until(scheduled_for, first_seen.get("completed")),
        "shortlink": shortlink,
        "started_at": iso_seconds(created),
        "status": status,
        "updated_at": _to_seconds(last_change),
        "reminder_intervals": None,
    }


def _scheduled_until(scheduled_for: str | None, completed_at: str | None) -> str | None:
    if scheduled_for is None:
        return None
    if completed_at is not None:
        return _to_seconds(completed_at)
    return iso_seconds(_parse(scheduled_for) + timedelta(hours=2))


def affected_component(
    page: PageState, component: JsonObject, old_status: str, new_status: str
) -> JsonObject:
    """An incident update's entry for one component; members carry their group."""
    group = page.groups.get(component["group_id"] or "")
    name = f"{group['name']} - {component['name']}" if group else component["name"]
    return {
        "code": component["id"],
        "name": name,
        "old_status": old_status,
        "new_status": new_status,
    }


def _numbered(names: Sequence[str], index: int) -> str:
    base = names[index % len(names)]
    round_number = index // len(names)
    return f"{base} {round_number + 1}" if round_number else base


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _to_seconds(stamp: str | None) -> str | None:
    return iso_seconds(_parse(stamp)) if stamp else None


def _display_order(components: list[JsonObject]) -> list[JsonObject]:
    """Top-level items by position, each group's members right after it."""
    positions = {c["id"]: c["position"] for c in components if not c["group_id"]}

    def key(component: JsonObject) -> tuple[int, int, int]:
        group_id = component["group_id"]
        if group_id is None:
            return (component["position"], 0, 0)
        return (positions.get(group_id, 0), 1, component["position"])

    return sorted(components, key=key)


def _sample_ids() -> set[str]:
    incident = sample("incident")
    ids = {
        sample("page")["id"],
        sample("component_group")["id"],
        sample("component")["id"],
        incident["id"],
    }
    ids.update(c["id"] for c in incident["components"])
    ids.update(u["id"] for u in incident["incident_updates"])
    return ids
