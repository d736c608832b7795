FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DATABASE_URL=sqlite:////data/laborstats.db

RUN useradd --create-home --uid 10001 laborstats \
    && mkdir /data \
    && chown laborstats:laborstats /data

WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY app ./app
COPY migrations ./migrations
COPY seed ./seed
# The same install as the README's Quick start.
RUN pip install --no-cache-dir -e .

USER 10001
VOLUME ["/data"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# The same start as the README's Quick start, listening beyond the container.
CMD ["sh", "-c", "laborstats seed --if-empty && exec laborstats serve --host 0.0.0.0 --port 8000"]
