"""HTTP next to Reflex's websocket: the single-use file endpoint, the session cookie routes, the Pro Santé Connect routes, the upload endpoint's
guards and the headers of every response. Wired into the app in the order of `TRANSFORMERS` (each wraps the ones
before it)."""

from starlette.applications import Starlette

from dcc_portal.web import files, headers, psc, session_cookie, uploads
from dcc_portal.web.uploads import UPLOAD_LIMIT, upload_limit

routes_app = Starlette(routes=[*files.ROUTES, *session_cookie.ROUTES, *psc.ROUTES])
TRANSFORMERS = [routes_app, uploads.upload_guard, upload_limit, headers.response_headers]

__all__ = ["TRANSFORMERS", "UPLOAD_LIMIT", "upload_limit"]
