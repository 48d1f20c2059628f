"""The API dialects the emulator serves over one data set, as far as the gate and the error
handlers see them: where a dialect's paths are, the auth scheme its requests carry, the shape
of its error answers and the status it answers a rate-limited request with.

Statuspage: `Authorization: OAuth <key>`, `{"error", "status"}` bodies, 420 or 429 (as
configured). OnlineOrNot (paths under /v1/status_pages and /v1/webhooks): `Authorization:
Bearer <key>`, its `{result: null, success: false, errors: [{code, message}]}` envelope, 429.
PingPong (paths under /rest/v1): `Authorization: Token <key>`, `{"detail": message}`, 429.
incident.io (paths under /v2): `Authorization: Bearer <key>`, its `{type, status, request_id,
errors: [{code, message}]}` envelope, 429.
"""

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from fastapi.responses import JSONResponse

JsonObject = dict[str, Any]

# OnlineOrNot's documented error codes (for uptime checks; reused here): 10001 generic,
# 10002 unauthenticated, 10003 unauthorized.
_ONLINEORNOT_CODES: Final = {401: 10002, 403: 10003}


@dataclass(frozen=True)
class Dialect:
    name: str
    auth: re.Pattern[str]
    error_body: Callable[[int, str], JsonObject]
    # None: the configured rate-limit status.
    rate_limit_status: int | None = None

    def key(self, authorization: str) -> str | None:
        match = self.auth.match(authorization)
        return match.group("key") if match else None

    def error(
        self, status: int, message: str, headers: Mapping[str, str] | None = None
    ) -> JSONResponse:
        return JSONResponse(
            self.error_body(status, message), status_code=status, headers=headers
        )


def _onlineornot_error(status: int, message: str) -> JsonObject:
    code = _ONLINEORNOT_CODES.get(status, 10001)
    return {
        "result": None,
        "success": False,
        "errors": [{"code": code, "message": message}],
        "messages": [],
    }


# incident.io's error `type` by status (its code is the type, but for a missing key's).
_INCIDENTIO_TYPES: Final = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "resource_forbidden",
    404: "not_found",
    422: "validation_error",
    429: "too_many_requests",
}


def _incidentio_error(status: int, message: str) -> JsonObject:
    kind = _INCIDENTIO_TYPES.get(status, "api_error")
    code = "missing_authorization_material" if status == 401 else kind
    return {
        "type": kind,
        "status": status,
        "request_id": str(uuid.uuid4()),
        "errors": [{"code": code, "message": message}],
    }


STATUSPAGE: Final = Dialect(
    "Statuspage",
    re.compile(r"^OAuth\s+(?P<key>\S+)\s*$", re.IGNORECASE),
    lambda status, message: {"error": message, "status": status},
)
ONLINEORNOT: Final = Dialect(
    "OnlineOrNot",
    re.compile(r"^Bearer\s+(?P<key>\S+)\s*$", re.IGNORECASE),
    _onlineornot_error,
    rate_limit_status=429,
)
ONLINEORNOT_PREFIXES: Final = ("/v1/status_pages", "/v1/webhooks")
PINGPONG: Final = Dialect(
    "PingPong",
    re.compile(r"^Token\s+(?P<key>\S+)\s*$", re.IGNORECASE),
    lambda _, message: {"detail": message},
    rate_limit_status=429,
)
PINGPONG_PREFIX: Final = "/rest/v1"
INCIDENTIO: Final = Dialect(
    "incident.io",
    re.compile(r"^Bearer\s+(?P<key>\S+)\s*$", re.IGNORECASE),
    _incidentio_error,
    rate_limit_status=429,
)
INCIDENTIO_PREFIX: Final = "/v2"


def dialect_of(path: str) -> Dialect:
    """The dialect a request path belongs to."""
    for prefix in ONLINEORNOT_PREFIXES:
        if path == prefix or path.startswith(f"{prefix}/"):
            return ONLINEORNOT
    if path == PINGPONG_PREFIX or path.startswith(f"{PINGPONG_PREFIX}/"):
        return PINGPONG
    if path == INCIDENTIO_PREFIX or path.startswith(f"{INCIDENTIO_PREFIX}/"):
        return INCIDENTIO
    return STATUSPAGE
