"""Transport-level protections of the gateway: security headers and a request size limit."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.common.httpapi import error_body

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'self'")


def add_security_headers(request_path: str, scheme: str, headers) -> None:
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if not request_path.startswith("/docs"):  # Swagger UI loads its scripts from a CDN
        headers.setdefault("Content-Security-Policy", CSP)
    if scheme == "https":  # only meaningful (and only honoured) over TLS
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


class BodySizeLimit:
    """Refuses request bodies over `limit` bytes with 413, whether announced by
    Content-Length or streamed in chunks, before the application reads them."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise _TooLarge()
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        import json

        body = json.dumps(error_body("too_large", f"The request body is over {self.limit} "
                                     "bytes.")).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass
