"""Throwaway servers on ports of their own, for the tests and the bench that need to stop or
restart one: a PostgreSQL cluster made by initdb in a temporary directory, a Redis, an
S3-compatible object store (moto in server mode), and an HTTP server that answers every request
503 (an object store that is down behind its load balancer). Never the machine's shared
servers: each listens on 127.0.0.1 on a free port, and is stopped and its directory deleted
afterwards (also when the caller fails).

PostgreSQL refuses to run as root: when run as root (CI containers), initdb and pg_ctl run as
the `postgres` user, in a directory under the system's temporary directory that it owns;
otherwise as the current user.
"""

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def postgres_bin(name: str) -> str | None:
    """The newest installed PostgreSQL's program `name` (initdb, pg_ctl), else one on PATH."""

    def major(path: str) -> int:
        version = Path(path).parts[-3]
        return int(version) if version.isdigit() else 0

    installed = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=major)
    return installed[-1] if installed else shutil.which(name)


def _wait_for_port(port: int, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not listen on port {port} within {timeout} s")
        time.sleep(0.05)


class _Server:
    """A server of a test's own, as a context manager: started on entry (closed again if it does
    not start), closed (stopped, its files removed) on exit."""

    def start(self) -> Self:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc_info) -> None:
        self.close()


class _ProcessServer(_Server):
    """A server run as a child process, its files in `dir`."""

    dir: Path
    process: subprocess.Popen | None = None

    def stop(self) -> None:
        """Stop the server (an outage); `start()` brings it back on the same port, empty."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class ThrowawayPostgres(_Server):
    """A PostgreSQL server of its own: `with ThrowawayPostgres() as pg: pg.url("name")`."""

    def __init__(self, *, settings: dict[str, str] | None = None) -> None:
        self.initdb, self.pg_ctl = postgres_bin("initdb"), postgres_bin("pg_ctl")
        if not (self.initdb and self.pg_ctl):
            raise RuntimeError("PostgreSQL's initdb and pg_ctl are not installed")
        self.settings = settings or {}
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pesco-postgres-"))
        self.data, self.log = self.dir / "data", self.dir / "server.log"
        self.owner = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        if self.owner is not None:
            os.chown(self.dir, self.owner.pw_uid, self.owner.pw_gid)

    def _run(self, *args: str, timeout: float = 120) -> None:
        as_owner = (
            {"user": self.owner.pw_uid, "group": self.owner.pw_gid, "extra_groups": []}
            if self.owner is not None
            else {}
        )
        result = subprocess.run(  # noqa: S603 - PostgreSQL's own programs, fixed arguments
            args,
            cwd=self.dir,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **as_owner,
        )
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}{result.stderr}")

    def _options(self) -> str:
        values = {
            "port": str(self.port),
            "listen_addresses": "127.0.0.1",
            "unix_socket_directories": str(self.dir),
            **self.settings,
        }
        return " ".join(f"-c {name}={value}" for name, value in values.items())

    def start(self) -> "ThrowawayPostgres":
        if not (self.data / "PG_VERSION").exists():
            self._run(
                self.initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust",
                "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
            )  # fmt: skip
        self._run(
            self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
            "-o", self._options(), "start",
        )  # fmt: skip
        return self

    def stop(self, mode: str = "fast") -> None:
        self._run(self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self, mode: str = "fast") -> tuple[float, float]:
        """Restart the server (in `mode`: smart, fast, immediate); returns when it began and
        when the server accepted connections again (time.time())."""
        began = time.time()
        self._run(
            self.pg_ctl, "-D", str(self.data), "-l", str(self.log), "-m", mode, "-w", "-t", "60",
            "-o", self._options(), "restart",
        )  # fmt: skip
        return began, time.time()

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def close(self) -> None:
        """Stop the server if it runs, and delete its directory."""
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop()
            except (RuntimeError, subprocess.TimeoutExpired):
                self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class ThrowawayRedis(_ProcessServer):
    """A Redis of its own, nothing saved to disk: `with ThrowawayRedis() as redis: redis.url`."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pesco-redis-"))
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "ThrowawayRedis":
        program = shutil.which("redis-server")
        if program is None:
            raise RuntimeError("redis-server is not installed")
        log = (self.dir / "server.log").open("w")
        self.process = subprocess.Popen(  # noqa: S603 - Redis itself, fixed arguments
            [program, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        _wait_for_port(self.port, timeout=20, what="redis-server")
        return self


class ThrowawayS3(_ProcessServer):
    """An S3-compatible server of its own (moto in server mode, in memory) with one private
    bucket: `with ThrowawayS3() as s3: s3.endpoint, s3.bucket, s3.client()`."""

    bucket = "pesco-review-test"
    region = "eu-central-1"
    access_key = "test-access-key"
    secret_key = "test-secret-key"  # noqa: S105 - moto accepts any

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="pesco-s3-"))
        self.process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self):
        import boto3  # noqa: PLC0415 - only the object-storage tests need it

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )

    def objects(self) -> dict[str, bytes]:
        """Every object in the bucket: key -> content."""
        client = self.client()
        listing = client.list_objects_v2(Bucket=self.bucket).get("Contents", [])
        return {
            o["Key"]: client.get_object(Bucket=self.bucket, Key=o["Key"])["Body"].read()
            for o in listing
        }

    def environment(self) -> dict[str, str]:
        """The AWS_* variables that make settings.py store every file in this bucket."""
        return {
            "AWS_STORAGE_BUCKET_NAME": self.bucket,
            "AWS_S3_ENDPOINT_URL": self.endpoint,
            "AWS_S3_REGION_NAME": self.region,
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
        }

    def storage_options(self) -> dict:
        """The OPTIONS settings.py gives S3Storage for these AWS_* variables (environment())."""
        return {
            "bucket_name": self.bucket,
            "endpoint_url": self.endpoint,
            "region_name": self.region,
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "location": "",
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": True,
        }

    def start(self) -> "ThrowawayS3":
        log = (self.dir / "server.log").open("w")
        self.process = subprocess.Popen(  # noqa: S603 - moto's server, fixed arguments
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        _wait_for_port(self.port, timeout=30, what="moto's S3 server")
        self.client().create_bucket(
            Bucket=self.bucket, CreateBucketConfiguration={"LocationConstraint": self.region}
        )
        return self


class _Unavailable(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))  # the upload, unread
        body = b"<Error><Code>ServiceUnavailable</Code><Message>Down</Message></Error>"
        self.send_response(503)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = _answer  # noqa: N815 - http.server's names

    def log_message(self, *args) -> None:
        """Quiet: the tests look at what the client saw."""


class UnavailableServer(_ProcessServer):
    """An HTTP server on 127.0.0.1:`port` that answers every request 503 Service Unavailable, as
    an object store (or the load balancer in front of it) does while it is down or overloaded:
    `with UnavailableServer(s3.port): ...` while that ThrowawayS3 is stopped. A process of its
    own (`python -m tests.servers unavailable PORT`), so that the test's process, which forks
    the PDF renderer, stays single-threaded."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.dir = Path(tempfile.mkdtemp(prefix="pesco-unavailable-"))
        self.process: subprocess.Popen | None = None

    def start(self) -> "UnavailableServer":
        log = (self.dir / "server.log").open("w")
        self.process = subprocess.Popen(  # noqa: S603 - this module, fixed arguments
            [sys.executable, "-m", "tests.servers", "unavailable", str(self.port)],
            cwd=Path(__file__).resolve().parent.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        _wait_for_port(self.port, timeout=20, what="the server answering 503")
        return self


if __name__ == "__main__" and sys.argv[1:2] == ["unavailable"]:
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[2])), _Unavailable).serve_forever()
