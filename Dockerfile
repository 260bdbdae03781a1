# syntax=docker/dockerfile:1
# incident-desk: build the package in one stage, run only what it ships in the next.
# The image holds dist/, templates/, docs/handbook.md and the production dependencies (the packed tarball, installed
# with its lock file), runs as the unprivileged `node` user, and reports its health from /healthz.

FROM node:20-bookworm-slim AS build
WORKDIR /build
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --no-audit --no-fund
COPY src ./src
COPY scripts ./scripts
COPY templates ./templates
COPY docs/handbook.md ./docs/handbook.md
# `npm pack` builds first (`prepack`: tsc to dist/, the lock file as npm-shrinkwrap.json).
RUN mkdir /pack && npm pack --pack-destination /pack

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /pack/ /tmp/pack/
# The packed tarball, with production dependencies only, as `incident-desk` on PATH.
RUN npm install --global --omit=dev --no-audit --no-fund /tmp/pack/incident-desk-*.tgz \
  && rm -rf /tmp/pack /root/.npm
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 3000}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["incident-desk", "serve"]
