"""Statuspage-style error answers: a JSON object with `error` and `status`."""

from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .model import NotFoundError


def error_response(
    status: int, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": message, "status": status}, status_code=status, headers=headers
    )


def install_error_handlers(app: FastAPI) -> None:
    """Make every error, including unknown routes, answer in Statuspage's shape."""

    async def on_http_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        return error_response(error.status_code, str(error.detail), error.headers)

    async def on_not_found(_: Request, __: Exception) -> JSONResponse:
        return error_response(404, "Not Found")

    async def on_invalid_request(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        return error_response(400, _describe_validation(error))

    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(NotFoundError, on_not_found)
    app.add_exception_handler(RequestValidationError, on_invalid_request)


def _describe_validation(error: RequestValidationError) -> str:
    problems = []
    for problem in error.errors():
        where = ".".join(
            str(part) for part in problem.get("loc", ()) if part != "query"
        )
        problems.append(f"{where}: {problem.get('msg', 'invalid')}")
    return "Invalid request: " + "; ".join(problems)
