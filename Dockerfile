# Statuspage Ocean integration image. `ocean sail` (started through sail.py) reads its
# settings from OCEAN__* environment variables and listens on port 8000.
ARG PYTHON_IMAGE=python:3.12-slim
ARG POETRY_VERSION=2.5.1
ARG POETRY_PLUGIN_EXPORT_VERSION=1.10.1

FROM ${PYTHON_IMAGE} AS build
ARG POETRY_VERSION
ARG POETRY_PLUGIN_EXPORT_VERSION
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    POETRY_NO_INTERACTION=1 \
    POETRY_VIRTUALENVS_CREATE=false
# Poetry only turns the lock into a hashed requirements file; it stays in
# this stage so none of its own dependencies reach the runtime image.
WORKDIR /build
COPY scripts/tools-constraints.txt ./
RUN python -m venv /opt/poetry \
    && /opt/poetry/bin/pip install --constraint tools-constraints.txt \
        "poetry==${POETRY_VERSION}" \
        "poetry-plugin-export==${POETRY_PLUGIN_EXPORT_VERSION}"
COPY pyproject.toml poetry.lock ./
# The export pins and hashes every package, so pip installs exactly those files and resolves
# nothing (--no-deps): a newer release on the index cannot change or break the image.
RUN /opt/poetry/bin/poetry check --lock \
    && /opt/poetry/bin/poetry export --only main --format requirements.txt \
        --output requirements.txt \
    && python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-deps --require-hashes --requirement requirements.txt \
    && /opt/venv/bin/pip check

FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:${PATH} \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN useradd --system --uid 10001 --create-home ocean
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# Root-owned and read-only for the service user; Ocean writes only under /tmp.
COPY . .
# Bytecode compiled once here: with PYTHONDONTWRITEBYTECODE (and /app read-only) every run would
# otherwise compile each module from source, costing CPU at start and about 1 MiB of memory.
RUN python -m compileall -q /app
USER 10001
EXPOSE 8000
# `ocean sail` with its options, whose exit status is the one-shot sync's result (see sail.py).
ENTRYPOINT ["python", "/app/sail.py"]
