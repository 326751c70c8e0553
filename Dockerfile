# One Dockerfile for every leadscore service; the SERVICE build argument picks what the image runs:
#   docker build --build-arg SERVICE=scorer   -t leadscore-scorer .      # /metrics /healthz /readyz on 9464
#   docker build --build-arg SERVICE=ingest   -t leadscore-ingest .      # HTTP door + ops endpoints on 8080
#   docker build --build-arg SERVICE=lifecycle -t leadscore-lifecycle .  # ops endpoints on 9465
#   docker build --build-arg SERVICE=accounts -t leadscore-accounts .    # the account service, ops endpoints on 9466
#   docker build --build-arg SERVICE=read-api -t leadscore-read-api .    # HTTP API + ops endpoints on 8090
#   docker build --build-arg SERVICE=console  -t leadscore-console .     # web console + ops endpoints on 8095
#   docker build --build-arg SERVICE=cli      -t leadscore-cli .         # `leadscore` (dlq, rebuild) for one-off jobs:
#     docker run --rm -e KAFKA_BROKERS=... leadscore-cli node /app/entrypoint.js dlq list --topic-prefix leadscore
#
# The grid is configuration, not part of the image: mount it (a ConfigMap in Kubernetes) and
# point GRID_FILE at it, e.g. -v ./deploy/grids/starter.yaml:/etc/leadscore/grid.yaml:ro -e GRID_FILE=/etc/leadscore/grid.yaml
# (the starter grid stays in the image as the services' fallback default).
#
# The services run their TypeScript sources through tsx (no build step; tsx is a dependency of
# every service with a bin): the runtime image has the production dependencies of the
# workspaces, no compiler, linter or test runner. It runs as the unprivileged `node` user (uid 1000).

ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY services ./services
# Production dependencies of every workspace (the services import each other's workspaces).
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ARG SERVICE=scorer
ENV NODE_ENV=production \
    LEADSCORE_SERVICE=${SERVICE}
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY services ./services
COPY schemas ./schemas
COPY deploy/grids ./deploy/grids
# /app/entrypoint.js is the chosen service's bin; an unknown SERVICE fails the build here.
RUN bin="services/${SERVICE}/bin/${SERVICE}.js"; \
    if [ "${SERVICE}" = cli ]; then bin=services/cli/bin/leadscore.js; fi; \
    if [ ! -f "${bin}" ]; then echo "unknown SERVICE=${SERVICE}: there is no ${bin}" >&2; exit 1; fi; \
    ln -s "/app/${bin}" /app/entrypoint.js \
 && mkdir -p /etc/leadscore
USER node
EXPOSE 8080 8090 8095 9464 9465 9466
# Liveness only (/healthz never depends on Kafka or Redis); readiness is the orchestrator's /readyz probe.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const d={scorer:9464,lifecycle:9465,accounts:9466,ingest:8080,'read-api':8090,console:8095};const p=process.env.HTTP_PORT||d[process.env.LEADSCORE_SERVICE];if(!p)process.exit(0);fetch('http://127.0.0.1:'+p+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# CMD, not ENTRYPOINT: a compose `command:` or a Kubernetes `command:` replaces it whole.
CMD ["node", "/app/entrypoint.js"]
