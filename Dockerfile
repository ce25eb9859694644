# Onboard service image: `docker build -t onboard .`
# Stage 1 builds a virtual environment from the pinned lock and compiles the catalogues;
# stage 2 copies it into a slim image that runs as a non-root user.
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
RUN python -m venv /venv
COPY requirements/runtime.lock requirements/runtime.lock
RUN /venv/bin/pip install -r requirements/runtime.lock
COPY pyproject.toml README.md babel.cfg ./
COPY service service
COPY bot bot
COPY content content
COPY locales locales
# Editable, so the code stays in /app beside locales/ and content/, where it looks for them
# (a copy in site-packages would miss the compiled catalogues and serve English only).
RUN /venv/bin/pip install --no-deps -e . \
 && /venv/bin/pybabel compile --domain service --directory locales \
 && if ls locales/*/LC_MESSAGES/bot.po >/dev/null 2>&1; then \
      /venv/bin/pybabel compile --domain bot --directory locales; fi

FROM python:3.11-slim-bookworm
ENV PATH=/venv/bin:$PATH PYTHONUNBUFFERED=1 \
    ONBOARD_DATA_DIR=/data ONBOARD_CONTENT_DIR=/app/content ONBOARD_POLICY_DIR=/app/content/policy
# DejaVu Sans: the printable card's font (Cyrillic and Latin).
RUN apt-get update && apt-get install -y --no-install-recommends fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --home-dir /app onboard \
 && mkdir -p /data && chown onboard /data && chmod 700 /data
WORKDIR /app
COPY --from=build /venv /venv
COPY --from=build /app /app
USER onboard
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz').status != 200)"
# Applies migrations, then serves. Override the command for the worker or the bot.
CMD ["onboard", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]
