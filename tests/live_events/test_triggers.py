"""The pending set: one trigger per object, bounded, and forgetting what nobody took up."""

import pytest

from core.kinds import Family
from live_events.pending import PendingTriggers, forwarded_body, triggers_of
from tests.support import FakeClock
from vendors.contract import InvalidEventError, Trigger


def trigger(subject: str, family: Family = Family.COMPONENT) -> Trigger:
    return Trigger("statuspage", family, "p1", subject)


def test_an_object_already_waiting_is_not_queued_again_until_taken_up() -> None:
    pending = PendingTriggers()

    assert pending.admit(trigger("c1")) is True
    assert pending.admit(trigger("c1")) is False
    assert pending.admit(trigger("c1", Family.INCIDENT)) is True
    pending.taken(trigger("c1"))
    assert pending.admit(trigger("c1")) is True


def test_a_full_set_refuses_new_objects_but_still_answers_waiting_ones() -> None:
    pending = PendingTriggers(limit=2)
    pending.admit(trigger("c1"))
    pending.admit(trigger("c2"))

    assert pending.admit(trigger("c3")) is None
    assert pending.admit(trigger("c1")) is False
    assert len(pending) == 2


def test_a_trigger_nobody_took_up_stops_holding_its_place() -> None:
    clock = FakeClock()
    pending = PendingTriggers(limit=1, ttl_seconds=60, clock=clock)
    pending.admit(trigger("c1"))
    clock.now = 59

    assert pending.admit(trigger("c2")) is None
    clock.now = 61
    assert pending.admit(trigger("c1")) is True


def test_triggers_survive_the_trip_through_ocean_s_queue() -> None:
    sent = [
        Trigger("statuspage", Family.INCIDENT, "p1", "i1", ("u1", "u2")),
        trigger("c1"),
    ]

    assert triggers_of(forwarded_body(sent)) == sent


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"triggers": "no"},
        {"triggers": [{"provider": "statuspage"}]},
        {"triggers": [{**trigger("c1").as_json(), "family": "maintenance"}]},
        {"triggers": [{**trigger("c1").as_json(), "update_ids": [1]}]},
    ],
)
def test_anything_else_in_the_queue_is_refused(body: object) -> None:
    with pytest.raises(InvalidEventError):
        triggers_of(body)


def test_an_object_is_read_at_most_once_a_second() -> None:
    clock = FakeClock()
    pending = PendingTriggers(clock=clock)

    assert pending.reading(trigger("c1")) == 0
    assert pending.reading(trigger("c2")) == 0
    clock.now = 0.25
    assert pending.reading(trigger("c1")) == pytest.approx(0.75)
    # A read already waiting pushes the next one a second past it.
    assert pending.reading(trigger("c1")) == pytest.approx(1.75)
    clock.now = 5
    assert pending.reading(trigger("c1")) == 0
