"""Flask's JSON responses encoded by orjson: the same JSON (keys sorted, as Flask does), several
times faster than the standard library's encoder, which was about 6 % of the API's CPU time
(bench/results-api-mix-*.md)."""
from __future__ import annotations

import decimal

import orjson
from flask.json.provider import DefaultJSONProvider

OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def _default(value):
    """What orjson does not encode itself (it does datetimes, dates and UUIDs), as Flask's
    provider would."""
    if isinstance(value, decimal.Decimal):
        return str(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


class OrjsonProvider(DefaultJSONProvider):
    def dumps(self, obj, **kwargs) -> str:
        if kwargs:  # a caller asked for the standard library's options (indent, separators, ...)
            return super().dumps(obj, **kwargs)
        return self._encode(obj).decode()

    def response(self, *args, **kwargs):
        obj = self._prepare_response_obj(args, kwargs)
        return self._app.response_class(self._encode(obj) + b"\n", mimetype=self.mimetype)

    def _encode(self, obj) -> bytes:
        try:
            return orjson.dumps(obj, default=_default, option=OPTIONS)
        except TypeError:
            # e.g. a lone surrogate echoed in an error message, which orjson refuses and the
            # standard library escapes (\ud800): the answer is still valid JSON.
            return super().dumps(obj).encode()
