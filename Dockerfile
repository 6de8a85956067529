# portcullis as a container: Node 24 runs the TypeScript sources directly (type stripping), no build
# step but the console's. test/process/dockerfile.test.ts runs this file's RUN and CMD steps (and the
# HEALTHCHECK) in a temporary directory, since Docker itself is not available in CI; see README "High
# availability" for what it checks.

# Stage 1: the operator console's static files (vite, a dev dependency).
FROM node:24-bookworm-slim AS console
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY console ./console
COPY src ./src
RUN npm run build:console

# Stage 2: the service, production dependencies only.
FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    PORTCULLIS_CONFIG=/etc/portcullis/portcullis.config.yaml \
    PORTCULLIS_HOST=0.0.0.0 \
    PORTCULLIS_PORT=8080 \
    PORTCULLIS_DATA_DIR=/home/node/data
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the image's Node is the runtime (the `node` package's download is not needed).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY bin ./bin
COPY src ./src
COPY connectors ./connectors
COPY migrations ./migrations
COPY playbooks ./playbooks
COPY --from=console /app/console/dist ./console/dist
# The config is mounted at /etc/portcullis (a ConfigMap); secrets, the database URL among them, come
# from the environment. The data directory (the node user's own) holds only the checkpoint file copy
# and the sandbox key when the state is in PostgreSQL.
USER node
RUN mkdir -p /home/node/data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "bin/portcullis.mjs", "serve"]
