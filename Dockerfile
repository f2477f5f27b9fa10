# syntax=docker/dockerfile:1
#
# PESCO annual progress review: one image for every role. Its default command serves the web
# application with gunicorn; docker-compose.yml runs the same image as the one-shot `migrate` job,
# the Celery worker and Celery beat, with another command.
#
# Production settings: DJANGO_DEBUG is off, so the container needs DJANGO_SECRET_KEY and
# DJANGO_ALLOWED_HOSTS at run time (see .env.example). Static files are collected at build time
# and served by WhiteNoise; uploaded files go to MEDIA_ROOT=/app/var/media, meant to be a volume.

FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    DJANGO_DEBUG=0 \
    MEDIA_ROOT=/app/var/media

WORKDIR /app

# The unprivileged user every process runs as. A fixed uid keeps volume ownership predictable.
RUN groupadd --system --gid 10001 pesco \
    && useradd --system --uid 10001 --gid pesco --create-home --home-dir /home/pesco \
       --shell /usr/sbin/nologin pesco

# Dependencies first, from the lock file alone, so that editing the source does not reinstall
# them. requirements/app.txt lists every package the application runs on (runtime only: no test
# or lint tools) at one version, with the hashes of PyPI's files: --require-hashes refuses any
# file whose hash differs, --no-deps installs exactly the lock and nothing a resolver would add,
# --only-binary :all: takes wheels only, so nothing is compiled and no build tool is fetched.
# The project installs no package of its own: the application runs from the source tree below.
COPY requirements/app.txt requirements/app.txt
RUN pip install --no-cache-dir --require-hashes --no-deps --only-binary :all: \
        -r requirements/app.txt

# The source (see .dockerignore for what stays out: .env, var/, staticfiles/, .venv, .git, ...).
# Owned by root and read-only to the application user; only /app/var is writable.
COPY . .

# collectstatic with the production storage (WhiteNoise's compressed manifest). Settings refuse to
# load without DJANGO_SECRET_KEY when DEBUG is off, so this one RUN line gets a throw-away value:
# it is not an ENV, is not kept in the image, and is never used to sign anything.
# Then byte-compile the source (the non-root user cannot write __pycache__ at run time) and create
# the writable var/ directory: media (the volume's mount point: an empty named volume takes its
# ownership from here) and Celery beat's schedule file.
RUN DJANGO_SECRET_KEY=build-only-collectstatic-key-not-a-secret \
        python manage.py collectstatic --no-input \
    && python -m compileall -q manage.py pesco_review projects reviews demo \
    && mkdir -p /app/var/media \
    && chown -R pesco:pesco /app/var

USER pesco

EXPOSE 8000

CMD ["gunicorn", "pesco_review.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
