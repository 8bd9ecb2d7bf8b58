# syntax=docker/dockerfile:1
# Rolegate's container image. Build: `docker build -t rolegate .`; run: see compose.yaml and
# docs/running.md. The same build and start steps run outside Docker in CI:
# scripts/production-install.sh (no Docker engine runs on our CI machines).

# 1. Build: development dependencies, the server compiled to dist/, the console to web/dist/.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY web/package.json web/
COPY packages/client/package.json packages/client/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

# 2. Production dependencies only (no compilers: every native module ships prebuilt for linux-x64/arm64).
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY web/package.json web/
COPY packages/client/package.json packages/client/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# 3. Final image: Node, production modules and the built output; nothing else.
FROM node:24-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    ROLEGATE_DATA_DIR=/data
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
COPY package.json ./
# The embedded database (when DATABASE_URL is unset) is the only thing written; everything else can
# be mounted read-only (`read_only: true` in compose, with a tmpfs for /tmp).
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/cli.js", "serve"]
