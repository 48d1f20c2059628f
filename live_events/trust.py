"""Whether a delivery to a vendor's webhook route may be trusted: the token check that both the
gate and the processors apply, and the routes the configured vendors deliver to."""

from loguru import logger
from port_ocean.context.ocean import ocean

from live_events.security import refusal_reason, webhook_token
from runtime import Runtime
from vendors.contract import Vendor


def vendor_routes(runtime: Runtime) -> dict[str, Vendor]:
    """The full path of each configured vendor's webhook route."""
    prefix = f"{ocean.app.route_prefix}/integration"
    return {
        f"{prefix}{vendor.webhook_path}": vendor
        for vendor in runtime.vendors
        if vendor.webhook_path is not None
    }


def current_token(vendor: Vendor, runtime: Runtime) -> str:
    return webhook_token(
        vendor.provider,
        runtime.settings,
        ocean.config.port.client_id,
        ocean.config.integration.identifier,
    )


def delivery_is_trusted(
    vendor: Vendor, runtime: Runtime, query_string: bytes, sender: str | None
) -> bool:
    """Whether the query carries the vendor's token; a refusal is logged with its reason,
    never a token."""
    reason = refusal_reason(query_string, current_token(vendor, runtime))
    if reason is None:
        return True
    logger.warning(
        f"Refused a {vendor.dialect.name} webhook from {sender or 'an unknown sender'}: "
        f"{reason}. Nothing was changed."
    )
    return False
