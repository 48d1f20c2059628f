"""The live-event settings: the webhook secret (or the token derived in its place) and the
subscriber email, each refused with an error naming it and never echoing a secret."""

from typing import Any

import pytest

from settings import InvalidSettingError, StatuspageSettings
from webhook_processors.security import webhook_token

KEY = "sk-live-events-key"
SECRET = "s3cret-webhook-token-of-20"
PORT_ORG = "port-client-id-of-production"


def settings(**config: Any) -> StatuspageSettings:
    return StatuspageSettings.from_config({"statuspage_api_key": KEY, **config})


def test_a_configured_secret_is_the_token() -> None:
    configured = settings(webhook_secret=f"  {SECRET} ")

    assert webhook_token(configured, PORT_ORG, "statuspage") == SECRET


def test_without_a_secret_the_token_is_derived_and_reveals_nothing() -> None:
    token = webhook_token(settings(), PORT_ORG, "statuspage")

    assert token == webhook_token(settings(webhook_secret=""), PORT_ORG, "statuspage")
    rotated = StatuspageSettings.from_config({"statuspage_api_key": f"{KEY}-rotated"})
    assert token != webhook_token(rotated, PORT_ORG, "statuspage")
    # Installations sharing an API key must not claim each other's subscribers, whether
    # they differ by identifier or by Port organisation.
    assert token != webhook_token(settings(), PORT_ORG, "statuspage-eu")
    assert token != webhook_token(settings(), "other-port-org", "statuspage")
    assert KEY not in token
    assert len(token) >= 32


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

    assert parsed.webhook_subscriber_email == "ops@example.com"
    assert SECRET not in repr(parsed)
    assert "webhook_secret=set" in repr(parsed)
    assert "webhook_secret=derived" in repr(settings())
