"""The client's address: X-Forwarded-For only counts behind a configured proxy."""
from flask import current_app, request


def client_address() -> str:
    """Remote address, honouring TRUSTED_PROXIES hops of X-Forwarded-For."""
    hops = current_app.config.get("TRUSTED_PROXIES", 0)
    if hops:
        forwarded = [a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",") if a.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.remote_addr or "unknown"
