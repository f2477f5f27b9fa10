"""Start the test identity provider: `python -m tests.oidc_provider.serve`, from the source tree.

It listens on 127.0.0.1 at a free port, prints `READY http://127.0.0.1:<port>` when it answers,
and stops when its standard input closes (the test run that started it ended, however it ended).
The environment gives the one client it knows: IDP_CLIENT_ID, IDP_CLIENT_SECRET and
IDP_REDIRECT_URIS (space-separated); IDP_DATABASE is its SQLite file."""

import os
import sys
import threading
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the name wsgiref gives it
        pass


def _private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _stop_when_stdin_closes() -> None:
    sys.stdin.read()
    os._exit(0)


def main() -> None:
    server = _Server(("127.0.0.1", 0), _QuietHandler)
    url = f"http://127.0.0.1:{server.server_port}"
    os.environ["IDP_ISSUER"] = f"{url}/o"
    os.environ["IDP_RSA_PRIVATE_KEY"] = _private_key_pem()
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"

    import django  # noqa: PLC0415 - only after the environment is set
    from django.core.management import call_command  # noqa: PLC0415
    from django.core.wsgi import get_wsgi_application  # noqa: PLC0415

    django.setup()
    call_command("migrate", run_syncdb=True, verbosity=0)

    from oauth2_provider.models import Application  # noqa: PLC0415

    Application.objects.create(
        name="PESCO review (test)",
        client_id=os.environ["IDP_CLIENT_ID"],
        client_secret=os.environ["IDP_CLIENT_SECRET"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=os.environ["IDP_REDIRECT_URIS"],
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    server.set_app(get_wsgi_application())
    threading.Thread(target=_stop_when_stdin_closes, daemon=True).start()
    print(f"READY {url}", flush=True)  # noqa: T201 - the line the test waits for
    server.serve_forever()


if __name__ == "__main__":
    main()
