"""Every API error is the JSON body of shared/API.md; 401s also name the Bearer scheme."""
from ..hooks import api_error
from ..services.errors import ServiceError
from . import bp


@bp.errorhandler(ServiceError)
def service_error(err: ServiceError):
    """A service error as {"error": {code, message, details}} with its status."""
    resp = api_error(err.status, err.code, err.message, err.details)
    if err.status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="linear_web"'
    return resp
