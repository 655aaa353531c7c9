"""`/docs` (Swagger UI) and `/redoc` (ReDoc), served from this service alone.

FastAPI's own pages load Swagger UI, ReDoc and fonts from public CDNs (unpinned, without
integrity checks) on the page where a user types the bearer token: offline they are blank,
online they run whatever the CDN serves. Here the assets come from the `fastapi-offline`
package (its `static/` folder: Swagger UI's bundle and style sheet, ReDoc's standalone build),
the start-up script is a file of this service rather than inline, and a Content-Security-Policy
lets the pages load nothing from anywhere else.
"""

from __future__ import annotations

import html
from functools import cache
from importlib.resources import files

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse

from .errors import error_response

# Swagger UI sets inline styles, ReDoc injects <style> elements and runs its search in a worker
# made from a blob: nothing else is allowed, and nothing from another origin at all.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'"
)
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
    "favicon.png": "image/png",
}
# Swagger UI's start-up, as a file (an inline script would need 'unsafe-inline'). No validator:
# Swagger UI would otherwise send the description to validator.swagger.io for its badge.
SWAGGER_INIT = b"""window.ui = SwaggerUIBundle({
  url: document.body.dataset.openapi,
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  persistAuthorization: false,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  layout: "BaseLayout",
});
"""


# ReDoc's side menu shows Redocly's logo from their CDN (an <img> that hides itself when it
# fails to load): pointed at an empty data: URL, it fails here, without asking anyone.
_REDOC_LOGO = (b'src:"https://cdn.redoc.ly/redoc/logo-mini.svg"', b'src:"data:,"')


@cache
def _asset(name: str) -> bytes:
    if name == "swagger-init.js":
        return SWAGGER_INIT
    data = files("fastapi_offline").joinpath("static", name).read_bytes()
    if name == "redoc.standalone.js":
        data = data.replace(*_REDOC_LOGO)
    return data


def _page(title: str, root: str, head: str, body: str) -> HTMLResponse:
    page = (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n"
        f'<link rel="icon" href="{root}/docs/assets/favicon.png">\n{head}</head>\n{body}</html>\n'
    )
    return HTMLResponse(page, headers={"Content-Security-Policy": DOCS_CSP, "Cache-Control": "no-cache"})


def install_docs(app: FastAPI) -> None:
    """The two pages and their assets; the application must be made with docs_url=None, redoc_url=None."""

    @app.get("/docs", include_in_schema=False)
    async def swagger(request: Request) -> Response:
        root = html.escape(request.scope.get("root_path", ""))
        return _page(
            f"{app.title} API",
            root,
            f'<link rel="stylesheet" href="{root}/docs/assets/swagger-ui.css">\n',
            f'<body data-openapi="{root}/openapi.json">\n<div id="swagger-ui"></div>\n'
            f'<script src="{root}/docs/assets/swagger-ui-bundle.js"></script>\n'
            f'<script src="{root}/docs/assets/swagger-init.js"></script>\n</body>\n',
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> Response:
        root = html.escape(request.scope.get("root_path", ""))
        return _page(
            f"{app.title} API",
            root,
            "",
            f'<body>\n<redoc spec-url="{root}/openapi.json"></redoc>\n'
            f'<script src="{root}/docs/assets/redoc.standalone.js"></script>\n</body>\n',
        )

    @app.get("/docs/assets/{name}", include_in_schema=False)
    async def asset(name: str) -> Response:
        kind = "text/javascript; charset=utf-8" if name == "swagger-init.js" else ASSETS.get(name)
        if kind is None:
            return error_response(404, f"no such asset: {name[:100]}")
        return Response(_asset(name), media_type=kind, headers={"Cache-Control": "public, max-age=3600"})
