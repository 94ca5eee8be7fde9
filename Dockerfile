# syntax=docker/dockerfile:1
# One image per service, all from this file:
#   docker build --build-arg SERVICE=feedback -t kuultu/feedback:0.1.0 .
# SERVICE is one of gateway, feedback, tables, projects, evaluation, notifications
# (`make images` builds them all). The image runs `kuultu serve $SERVICE`.

# --- build: install the project and its dependencies into a virtualenv -------------
# Pinned base image (full version); update both stages together.
FROM python:3.11.14-slim-bookworm AS build

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN python -m venv /opt/kuultu
WORKDIR /src
# Only what the package is built from: the project file and the code under services/.
# If a dependency ever needs a compiler, install it here (build stage only).
COPY pyproject.toml ./
COPY services/ services/
RUN /opt/kuultu/bin/pip install . \
 && /opt/kuultu/bin/pip uninstall --yes pip

# --- runtime: the virtualenv, the event schemas, a non-root user -------------------
FROM python:3.11.14-slim-bookworm AS runtime

ARG SERVICE
# Fail the build early on a missing or unknown SERVICE.
RUN case "$SERVICE" in \
      gateway|feedback|tables|projects|evaluation|notifications) ;; \
      *) echo "build with --build-arg SERVICE=<gateway|feedback|tables|projects|evaluation|notifications>" >&2; exit 1 ;; \
    esac \
 && groupadd --system --gid 10001 kuultu \
 && useradd --system --uid 10001 --gid kuultu --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin kuultu

LABEL org.opencontainers.image.title="kuultu-${SERVICE}" \
      org.opencontainers.image.description="kuultu ${SERVICE}: Lahti's resident participation platform" \
      org.opencontainers.image.licenses="EUPL-1.2"

ENV PATH=/opt/kuultu/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    KUULTU_SERVICE=${SERVICE} \
    KUULTU_SCHEMAS_DIR=/app/schemas

COPY --from=build /opt/kuultu /opt/kuultu
# The event schemas and the AsyncAPI catalogue are read at run time.
WORKDIR /app
COPY schemas/ schemas/

# Numeric user, so Kubernetes can check runAsNonRoot; the root filesystem can be read-only.
USER 10001:10001
# gateway 8000, feedback 8001, tables 8002, projects 8003, evaluation 8004, notifications 8005
EXPOSE 8000-8005
# exec: the service is PID 1 and gets SIGTERM directly.
CMD ["/bin/sh", "-c", "exec kuultu serve \"$KUULTU_SERVICE\""]
