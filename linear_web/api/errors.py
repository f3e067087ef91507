"""Every API error is the JSON body of shared/API.md."""
from ..hooks import api_error
from ..services.errors import ServiceError
from . import bp


@bp.errorhandler(ServiceError)
def service_error(err: ServiceError):
    return api_error(err.status, err.code, err.message, err.details)
