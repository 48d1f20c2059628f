"""Reading the integration's settings: every accepted form, and a clear error naming each bad one."""

from typing import Any

import pytest

from settings import InvalidSettingError, StatuspageSettings, parse_page_ids

KEY = "sk-very-secret"


def settings(**config: Any) -> StatuspageSettings:
    return StatuspageSettings.from_config({"statuspage_api_key": KEY, **config})


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
    assert parse_page_ids(value) == ("id-1", "id-2")


@pytest.mark.parametrize("value", [None, "", " ", "[]", []])
def test_no_page_ids_means_every_page(value: Any) -> None:
    assert parse_page_ids(value) == ()


@pytest.mark.parametrize("value", ['["id-1",', "[1, 2]", 42, {"id": "x"}])
def test_malformed_page_ids_name_the_setting(value: Any) -> None:
    with pytest.raises(InvalidSettingError, match="statuspageIds"):
        parse_page_ids(value)


def test_defaults() -> None:
    parsed = settings()

    assert parsed.host == "https://api.statuspage.io"
    assert parsed.page_ids == ()
    assert (parsed.rate_limit_requests, parsed.rate_limit_window_seconds) == (60, 60)
    assert parsed.app_host is None


def test_raised_rate_limits_and_hosts_are_read() -> None:
    parsed = settings(
        rate_limit_requests="300",
        rate_limit_window_seconds=30,
        statuspage_host="http://127.0.0.1:8080/",
        app_host="https://ocean.example.com/",
    )

    assert (parsed.rate_limit_requests, parsed.rate_limit_window_seconds) == (300, 30)
    assert parsed.host == "http://127.0.0.1:8080"
    assert parsed.app_host == "https://ocean.example.com"


@pytest.mark.parametrize(
    ("config", "setting"),
    [
        ({"statuspage_api_key": ""}, "statuspageApiKey"),
        ({"statuspage_api_key": None}, "statuspageApiKey"),
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
    ],
)
def test_bad_values_name_the_setting(config: dict[str, Any], setting: str) -> None:
    with pytest.raises(InvalidSettingError, match=setting):
        StatuspageSettings.from_config({"statuspage_api_key": KEY, **config})


@pytest.mark.parametrize(
    "host",
    ["https://api.statuspage.io", "https://api.statuspage.io/v1/", "http://[::1]:8080"],
)
def test_the_api_host_may_carry_a_port_and_the_api_version(host: str) -> None:
    assert settings(statuspage_host=host).host == host.rstrip("/")


def test_a_too_large_rate_limit_says_what_is_allowed() -> None:
    with pytest.raises(InvalidSettingError) as raised:
        settings(rate_limit_requests=99999999999999999999999)

    assert str(raised.value) == (
        "Invalid setting 'rateLimitRequests': must be between 1 and 10000, "
        "got 99999999999999999999999"
    )


def test_a_path_on_the_api_host_is_named_with_what_to_do() -> None:
    with pytest.raises(InvalidSettingError) as raised:
        settings(statuspage_host="https://api.statuspage.io/some/path")

    message = str(raised.value)
    assert "statuspageHost" in message
    assert "'https://api.statuspage.io/some/path'" in message
    assert "Remove the path" in message


def test_credentials_in_the_api_host_are_refused_without_being_echoed() -> None:
    with pytest.raises(InvalidSettingError) as raised:
        settings(statuspage_host="https://admin:hunter2-secret@api.statuspage.io")

    assert "statuspageHost" in str(raised.value)
    assert "hunter2-secret" not in str(raised.value)


def test_the_api_key_never_shows_in_a_repr_or_an_error() -> None:
    assert KEY not in repr(settings())
    with pytest.raises(InvalidSettingError) as raised:
        settings(rate_limit_requests=0)
    assert KEY not in str(raised.value)
