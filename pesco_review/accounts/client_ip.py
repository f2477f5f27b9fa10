"""The client address that login throttling counts failures against."""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """REMOTE_ADDR, or, behind PROXY_COUNT trusted proxies, the address the outermost of them saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so the
    entry PROXY_COUNT places from the right is the client as the first trusted proxy saw it;
    anything to its left was sent by the client and may be forged.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    return forwarded[-count] if len(forwarded) >= count else remote
