# One image for every subgraph (and the one-shot migration): compose.yaml picks the command.
#   docker build -t shop .
#   docker run shop uvicorn subgraphs.users.app:app --host 0.0.0.0 --port 4001 --loop uvloop --http httptools
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --system --home-dir /app --shell /usr/sbin/nologin shop

# Editable install: the migrations (plain folders, not packages) are read from the source tree.
COPY pyproject.toml ./
COPY shop ./shop
COPY subgraphs ./subgraphs
RUN pip install -e . && mkdir -p .data && chown shop .data

USER shop
# Overridden per service in compose.yaml.
CMD ["python", "-m", "shop", "--help"]
