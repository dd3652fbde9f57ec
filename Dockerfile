# The Maillage API (GraphQL, /healthz, web pages) as docker-compose.yml runs it.
# Neo4j runs in its own container; nothing here provisions a database.

# The staff web app and GraphiQL, built once with the npm packages package-lock.json pins.
FROM node:20-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# The project metadata (README.md only if there is one), then the packages it ships.
COPY pyproject.toml README.md* ./
COPY server/ server/
COPY schema/ schema/
COPY graph/ graph/
COPY domain/ domain/
COPY analytics/ analytics/
COPY simulator/ simulator/
RUN pip install . \
    && rm -rf build ./*.egg-info
COPY --from=web /web/dist /srv/web
ENV MAILLAGE_WEB_DIST=/srv/web

# Run as an unprivileged user with a fixed id (Kubernetes' runAsNonRoot can check it).
RUN groupadd --gid 10001 maillage \
    && useradd --uid 10001 --gid 10001 --create-home --shell /usr/sbin/nologin maillage
USER 10001:10001

EXPOSE 8000
CMD ["maillage", "serve", "--host", "0.0.0.0", "--port", "8000"]
