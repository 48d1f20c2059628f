"""The live-event settings: the webhook secret (or the token derived in its place) and the
subscriber email, each refused with an error naming it and never echoing a secret."""

from typing import Any

import pytest

from core.settings import InvalidSettingError, Settings
from live_events.security import webhook_token
from tests.support import settings_of

KEY = "sk-live-events-key"
SECRET = "s3cret-webhook-token-of-20"
PORT_ORG = "port-client-id-of-production"


def settings(**config: Any) -> Settings:
    return settings_of({"statuspage_api_key": KEY, **config})


def token(
    configured: Settings, port_org: str = PORT_ORG, identifier: str = "sp"
) -> str:
    return webhook_token("statuspage", configured, port_org, identifier)


def test_a_configured_secret_is_the_token() -> None:
    assert token(settings(webhook_secret=f"  {SECRET} ")) == SECRET


def test_without_a_secret_the_token_is_derived_and_reveals_nothing() -> None:
    derived = token(settings())

    assert derived == token(settings(webhook_secret=""))
    rotated = settings_of({"statuspage_api_key": f"{KEY}-rotated"})
    assert derived != token(rotated)
    # Installations sharing an API key must not claim each other's subscribers, whether
    # they differ by identifier or by Port organisation.
    assert derived != token(settings(), identifier="sp-eu")
    assert derived != token(settings(), port_org="other-port-org")
    assert KEY not in derived
    assert len(derived) >= 32


def test_the_derived_token_is_the_one_earlier_releases_registered() -> None:
    # Changing it would make every installation replace its subscribers on upgrade.
    assert token(settings()) == (
        "ae64a1371c825386634fbb9b0451a5351ec81a0c2b63029bf0f702da21e34d5e"
    )


def test_a_short_secret_is_refused_without_echoing_it() -> None:
    with pytest.raises(InvalidSettingError, match="webhookSecret") as raised:
        settings(webhook_secret="short-secret")

    assert "short-secret" not in str(raised.value)
    assert "at least 16" in str(raised.value)


@pytest.mark.parametrize("value", ["ops", "ops@", "@example.com", "a b@example.com"])
def test_a_malformed_subscriber_email_names_the_setting(value: str) -> None:
    with pytest.raises(InvalidSettingError, match="webhookSubscriberEmail"):
        settings(webhook_subscriber_email=value)


def test_the_subscriber_email_is_read_and_the_secret_never_shows_in_a_repr() -> None:
    parsed = settings(
        webhook_secret=SECRET, webhook_subscriber_email=" ops@example.com "
    )

    assert parsed.live_events.webhook_subscriber_email == "ops@example.com"
    assert SECRET not in repr(parsed)
    assert "webhook_secret=set" in repr(parsed)
    assert "webhook_secret=derived" in repr(settings())
