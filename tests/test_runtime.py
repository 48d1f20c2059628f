"""What the runtime builds once for the whole app: one TLS context for every vendor client."""

import ssl
from typing import Any

import pytest

from live_events.trust import Installation
from runtime import Runtime
from tests.support import ocean_context, settings_of

EVERY_VENDOR = {
    "statuspage_api_key": "sp-key",
    "onlineornot_api_key": "oon-key",
    "pingpong_api_key": "pp-key",
    "incidentio_api_key": "iio-key",
}


@pytest.mark.parametrize(
    ("third_party_ssl", "contexts"),
    [
        ({}, 1),  # verified, strict X.509: httpx's context with the CA bundle
        ({"x509": {"strict": False}}, 1),  # Ocean's own context
        ({"verify": False}, 0),
    ],
)
def test_every_vendor_client_of_an_app_shares_one_tls_context(
    monkeypatch: pytest.MonkeyPatch, third_party_ssl: dict[str, Any], contexts: int
) -> None:
    made: list[ssl.SSLContext] = []
    create = ssl.create_default_context

    def counted(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        made.append(create(*args, **kwargs))
        return made[-1]

    with ocean_context(ssl={"third_party": third_party_ssl}):
        monkeypatch.setattr(ssl, "create_default_context", counted)
        vendors = Runtime(settings_of(EVERY_VENDOR), Installation("id", "app")).vendors

    clients = [v.api for v in vendors] + [v.public_api for v in vendors if v.public_api]
    assert len(vendors) == 4
    assert len(clients) > len(vendors)
    assert len(made) == contexts
