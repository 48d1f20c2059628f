"""Reading the integration's settings: every accepted form, and a clear error naming each bad one."""

from typing import Any

import pytest
import yaml

from core.settings import (
    SHARED_SETTINGS,
    InvalidSettingError,
    Setting,
    Settings,
    UptimeSettings,
    VendorSettings,
    flag,
    id_list,
)
from tests.support import ROOT, settings_of
from vendors import VENDORS

KEY = "sk-very-secret"


def read(**config: Any) -> Settings:
    return settings_of({"statuspage_api_key": KEY, **config})


def statuspage(**config: Any) -> VendorSettings:
    settings = read(**config).vendor("statuspage")
    assert settings is not None
    return settings


@pytest.mark.parametrize(
    "value",
    [
        ["id-1", "id-2"],
        '["id-1","id-2"]',
        ' [ "id-1" , "id-2" ] ',
        "id-1,id-2",
        " id-1 , id-2 ,",
        "id-1,id-2,id-1",
    ],
)
def test_page_ids_accept_a_list_a_json_array_and_a_comma_separated_string(
    value: Any,
) -> None:
    assert id_list()("statuspageIds", value) == ("id-1", "id-2")


@pytest.mark.parametrize("value", [None, "", " ", "[]", []])
def test_no_page_ids_means_every_page(value: Any) -> None:
    assert id_list()("statuspageIds", value) == ()


@pytest.mark.parametrize("value", ['["id-1",', "[1, 2]", 42, {"id": "x"}])
def test_malformed_page_ids_name_the_setting(value: Any) -> None:
    with pytest.raises(InvalidSettingError, match="statuspageIds"):
        read(statuspage_ids=value)


def test_defaults() -> None:
    parsed = read()
    vendor = statuspage()

    assert vendor.host == "https://api.statuspage.io"
    assert vendor.page_ids == ()
    assert (vendor.rate_limit.requests, vendor.rate_limit.window_seconds) == (60, 60)
    assert parsed.live_events.app_host is None
    assert parsed.request_timeout_seconds == 60


def test_raised_rate_limits_and_hosts_are_read() -> None:
    parsed = read(
        rate_limit_requests="300",
        rate_limit_window_seconds=30,
        statuspage_host="http://127.0.0.1:8080/",
        app_host="https://ocean.example.com/",
    )
    vendor = parsed.vendor("statuspage")

    assert vendor is not None
    assert (vendor.rate_limit.requests, vendor.rate_limit.window_seconds) == (300, 30)
    assert vendor.host == "http://127.0.0.1:8080"
    assert parsed.live_events.app_host == "https://ocean.example.com"


@pytest.mark.parametrize(
    ("config", "setting"),
    [
        ({"rate_limit_requests": 0}, "rateLimitRequests"),
        ({"rate_limit_requests": "many"}, "rateLimitRequests"),
        ({"rate_limit_requests": True}, "rateLimitRequests"),
        ({"rate_limit_window_seconds": -5}, "rateLimitWindowSeconds"),
        ({"statuspage_host": "api.statuspage.io"}, "statuspageHost"),
        ({"statuspage_host": "https://api.statuspage.io/some/path"}, "statuspageHost"),
        ({"statuspage_host": "https://api.statuspage.io/v1/pages"}, "statuspageHost"),
        ({"statuspage_host": "https://api.statuspage.io?x=1"}, "statuspageHost"),
        ({"statuspage_host": "https://api.statuspage.io#v1"}, "statuspageHost"),
        ({"statuspage_host": "https://api.statuspage.io:99999"}, "statuspageHost"),
        ({"rate_limit_requests": 99999999999999999999999}, "rateLimitRequests"),
        ({"rate_limit_requests": "10001"}, "rateLimitRequests"),
        ({"rate_limit_window_seconds": 3601}, "rateLimitWindowSeconds"),
        ({"app_host": "ftp://example.com"}, "appHost"),
        ({"request_timeout_seconds": 0}, "requestTimeoutSeconds"),
        ({"request_timeout_seconds": 601}, "requestTimeoutSeconds"),
    ],
)
def test_bad_values_name_the_setting(config: dict[str, Any], setting: str) -> None:
    with pytest.raises(InvalidSettingError, match=setting):
        read(**config)


@pytest.mark.parametrize("key", ["", "  ", None])
def test_without_any_vendor_key_the_error_names_every_key_setting(key: Any) -> None:
    with pytest.raises(InvalidSettingError) as raised:
        settings_of({"statuspage_api_key": key})

    assert "statuspageApiKey" in str(raised.value)
    assert "onlineornotApiKey" in str(raised.value)
    assert "at least one" in str(raised.value)


@pytest.mark.parametrize(
    "host",
    ["https://api.statuspage.io", "https://api.statuspage.io/v1/", "http://[::1]:8080"],
)
def test_the_api_host_may_carry_a_port_and_the_api_version(host: str) -> None:
    assert statuspage(statuspage_host=host).host == host.rstrip("/")


def test_a_too_large_rate_limit_says_what_is_allowed() -> None:
    with pytest.raises(InvalidSettingError) as raised:
        read(rate_limit_requests=99999999999999999999999)

    assert str(raised.value) == (
        "Invalid setting 'rateLimitRequests': must be between 1 and 10000, "
        "got 99999999999999999999999"
    )


def test_a_path_on_the_api_host_is_named_with_what_to_do() -> None:
    with pytest.raises(InvalidSettingError) as raised:
        read(statuspage_host="https://api.statuspage.io/some/path")

    message = str(raised.value)
    assert "statuspageHost" in message
    assert "'https://api.statuspage.io/some/path'" in message
    assert "Remove the path" in message


def test_credentials_in_the_api_host_are_refused_without_being_echoed() -> None:
    with pytest.raises(InvalidSettingError) as raised:
        read(statuspage_host="https://admin:hunter2-secret@api.statuspage.io")

    assert "statuspageHost" in str(raised.value)
    assert "hunter2-secret" not in str(raised.value)


def test_the_api_key_never_shows_in_a_repr_or_an_error() -> None:
    assert KEY not in repr(read())
    with pytest.raises(InvalidSettingError) as raised:
        read(rate_limit_requests=0)
    assert KEY not in str(raised.value)


OON_KEY = "oon-very-secret-token"


def onlineornot(**config: Any) -> VendorSettings:
    settings = settings_of({"onlineornot_api_key": OON_KEY, **config})
    vendor = settings.vendor("onlineornot")
    assert vendor is not None
    return vendor


def test_onlineornot_alone_is_a_complete_configuration() -> None:
    settings = settings_of({"onlineornot_api_key": f" {OON_KEY} "})

    assert [vendor.provider for vendor in settings.vendors] == ["onlineornot"]
    vendor = settings.vendors[0]
    assert vendor.api_key == OON_KEY
    assert vendor.host == "https://api.onlineornot.com"
    assert vendor.page_ids == ()


def test_both_vendors_are_read_together_each_with_its_own_settings() -> None:
    settings = settings_of(
        {
            "statuspage_api_key": KEY,
            "statuspage_ids": "sp-1",
            "onlineornot_api_key": OON_KEY,
            "onlineornot_host": "http://127.0.0.1:9000/",
            "onlineornot_status_page_ids": '["a1b2c3d4","e5f6g7h8"]',
        }
    )

    assert [vendor.provider for vendor in settings.vendors] == [
        "statuspage",
        "onlineornot",
    ]
    statuspage_settings, onlineornot_settings = settings.vendors
    assert statuspage_settings.page_ids == ("sp-1",)
    assert onlineornot_settings.page_ids == ("a1b2c3d4", "e5f6g7h8")
    assert onlineornot_settings.host == "http://127.0.0.1:9000"
    assert OON_KEY not in repr(settings)
    assert KEY not in repr(settings)


@pytest.mark.parametrize(
    ("config", "setting"),
    [
        ({"onlineornot_host": "api.onlineornot.com"}, "onlineornotHost"),
        ({"onlineornot_host": "https://api.onlineornot.com/v1/x"}, "onlineornotHost"),
        ({"onlineornot_status_page_ids": '["a",'}, "onlineornotStatusPageIds"),
        ({"onlineornot_status_page_ids": "[1, 2]"}, "onlineornotStatusPageIds"),
    ],
)
def test_bad_onlineornot_values_name_the_setting(
    config: dict[str, Any], setting: str
) -> None:
    with pytest.raises(InvalidSettingError, match=setting) as raised:
        onlineornot(**config)

    assert OON_KEY not in str(raised.value)


def test_a_blank_onlineornot_key_leaves_it_out() -> None:
    assert read(onlineornot_api_key="  ").vendor("onlineornot") is None


# Component uptime ---------------------------------------------------------------


def test_component_uptime_is_off_by_default() -> None:
    assert statuspage().uptime is None
    assert statuspage(component_uptime="false", component_uptime_days=7).uptime is None


@pytest.mark.parametrize("on", [True, "true", "True", " 1 ", "yes", "on"])
def test_component_uptime_on_reads_its_range_and_budget(on: Any) -> None:
    assert statuspage(component_uptime=on).uptime == UptimeSettings(
        days=30, requests_per_resync=50
    )
    assert statuspage(
        component_uptime=on,
        component_uptime_days="90",
        component_uptime_requests_per_resync=500,
    ).uptime == UptimeSettings(days=90, requests_per_resync=500)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"component_uptime": "maybe"}, "'componentUptime': expected true or false"),
        ({"component_uptime": 2}, "'componentUptime': expected true or false"),
        (
            {"component_uptime_days": 0},
            "'componentUptimeDays': must be between 1 and 180",
        ),
        (
            {"component_uptime_days": "181"},
            "'componentUptimeDays': must be between 1 and 180",
        ),
        (
            {"component_uptime_days": "a month"},
            "'componentUptimeDays': expected a whole",
        ),
        (
            {"component_uptime_requests_per_resync": 0},
            "'componentUptimeRequestsPerResync': must be between 1 and 10000",
        ),
        (
            {"component_uptime_requests_per_resync": 10_001},
            "'componentUptimeRequestsPerResync': must be between 1 and 10000",
        ),
    ],
)
def test_bad_uptime_settings_name_the_setting_even_while_it_is_off(
    config: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidSettingError, match=message):
        read(**config)


def _spec_configurations() -> dict[str, dict[str, Any]]:
    spec = yaml.safe_load((ROOT / ".port" / "spec.yaml").read_text())
    return {entry["name"]: entry for entry in spec["configurations"]}


def _rows() -> dict[str, Setting]:
    rows = [*SHARED_SETTINGS, *(row for v in VENDORS for row in v.setting_rows)]
    by_name = {row.name: row for row in rows}
    assert len(by_name) == len(rows), "a setting is declared twice"
    return by_name


def test_every_setting_row_is_in_the_spec_and_every_spec_setting_is_a_row() -> None:
    assert set(_rows()) == set(_spec_configurations())


@pytest.mark.parametrize("name", sorted(_spec_configurations()))
def test_the_spec_says_what_the_row_does_of_secrets_and_defaults(name: str) -> None:
    row, spec = _rows()[name], _spec_configurations()[name]
    assert spec.get("sensitive", False) is row.secret
    # What an unset setting reads as is the default the spec shows users.
    unset = row.read(name, None)
    assert spec.get("default") == (unset if unset not in ((), None) else None)


def test_a_setting_reaches_the_integration_under_the_key_its_name_gives() -> None:
    assert Setting("componentUptimeRequestsPerResync", "x", flag(False)).config_key == (
        "component_uptime_requests_per_resync"
    )
    read = settings_of({"statuspage_api_key": KEY, "rate_limit_requests": "7"})
    assert read.vendors[0].rate_limit.requests == 7
