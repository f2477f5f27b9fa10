"""The object storage's outages, as the code that retries sees them: errors after which the same
request may well succeed later (botocore has already tried it again a few times), as opposed to
refusals (bad credentials, a missing bucket, a bad certificate) that another attempt would only
repeat. The build and its Celery task count STORAGE_UNREACHABLE as transient, like a database
outage. With files on MEDIA_ROOT none of these is ever raised.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)


class StorageServerError(Exception):
    """The object storage answered with a server error (HTTP 5xx)."""


STORAGE_UNREACHABLE = (
    EndpointConnectionError,  # nothing listens, or the name does not resolve
    ConnectTimeoutError,  # no answer to the connection
    ReadTimeoutError,  # connected, no answer to the request
    ConnectionClosedError,  # the connection dropped midway
    StorageServerError,  # a 5xx (as server_errors_as_unreachable raises it)
)


@contextmanager
def server_errors_as_unreachable() -> Iterator[None]:
    """Raise a 5xx answer of the object storage as StorageServerError (one of
    STORAGE_UNREACHABLE); any other error as it is (a 403 or 404 is no outage)."""
    try:
        yield
    except ClientError as error:
        if _server_error(error):
            raise StorageServerError(str(error)) from error
        raise


def _server_error(error: ClientError) -> bool:
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) >= 500


UNREACHABLE_MESSAGE = (
    "The file store cannot be reached just now. Try again in a few minutes; if it lasts, tell "
    "the PESCO secretariat."
)


def is_unreachable(error: BaseException) -> bool:
    """An outage of the object storage (STORAGE_UNREACHABLE or a 5xx answer)."""
    return isinstance(error, STORAGE_UNREACHABLE) or (
        isinstance(error, ClientError) and _server_error(error)
    )
