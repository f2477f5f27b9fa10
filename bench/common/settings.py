"""The application's settings, served with the bench's URLconf (bench/common/site.py): the
application's pages plus the bench's baselines."""

from pesco_review.settings import *  # noqa: F403

ROOT_URLCONF = "bench.common.site"
