# Cairn server image (docs/production.md, "Docker"): `docker build -t cairn .`
#
# Three stages: `build` installs every dependency and builds every package (the web console
# included); `deps` installs the production dependencies of the `cairn` command alone (not the
# console's: the console is static files); the final image holds those, the built packages and the
# console, and runs `cairn serve` as an unprivileged user.

# Node.js 22 (LTS): Node 20 reached its end of life in April 2026. The engines field (>=20.19) allows it.
ARG NODE_IMAGE=node:22-bookworm-slim

# --- build: every dependency, then `npm run build` ---------------------------------------------
FROM ${NODE_IMAGE} AS build
# better-sqlite3 is a native addon: compiled here when no prebuilt binary can be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The manifests first, so that the dependency layer is reused while only sources change.
COPY package.json package-lock.json ./
COPY packages/protocol/package.json packages/protocol/
COPY packages/crypto/package.json packages/crypto/
COPY packages/sdk/package.json packages/sdk/
COPY packages/server/package.json packages/server/
COPY packages/cli/package.json packages/cli/
COPY packages/console/package.json packages/console/
# --ignore-scripts: the root `prepare` script would build before the sources are here; the install
# scripts that matter (better-sqlite3's) run with `npm rebuild` below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsup.shared.ts ./
COPY packages ./packages
RUN npm rebuild \
 && npm run build

# --- deps: production dependencies of the cairn command only ------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/protocol/package.json packages/protocol/
COPY packages/crypto/package.json packages/crypto/
COPY packages/sdk/package.json packages/sdk/
COPY packages/server/package.json packages/server/
COPY packages/cli/package.json packages/cli/
COPY packages/console/package.json packages/console/
RUN npm ci --omit=dev --ignore-scripts --workspace=@cairn/cli --no-audit --no-fund \
 && npm cache clean --force
# The addon compiled (or downloaded) in `build`, for the same Node.js and system: only it is needed
# of better-sqlite3's build, not its sources or objects.
COPY --from=build /src/node_modules/better-sqlite3/build/Release/better_sqlite3.node node_modules/better-sqlite3/build/Release/
RUN rm -rf node_modules/better-sqlite3/deps node_modules/better-sqlite3/src

# --- the image ------------------------------------------------------------------------------------
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    CAIRN_HOST=0.0.0.0 \
    CAIRN_PORT=16043 \
    CAIRN_DATA_DIR=/var/lib/cairn \
    CAIRN_CONSOLE_DIR=/app/console \
    CAIRN_LOG_FORMAT=json
# A user of its own (no login, no shell), owning only the data volume: the code is root's, read-only
# to the server.
RUN groupadd --system --gid 10001 cairn \
 && useradd --system --uid 10001 --gid cairn --home-dir /var/lib/cairn --shell /usr/sbin/nologin cairn \
 && mkdir -p /var/lib/cairn \
 && chown cairn:cairn /var/lib/cairn \
 && chmod 700 /var/lib/cairn
WORKDIR /app
COPY --from=deps /app/package.json ./
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /src/packages/protocol/package.json packages/protocol/
COPY --from=build /src/packages/protocol/dist packages/protocol/dist
COPY --from=build /src/packages/crypto/package.json packages/crypto/
COPY --from=build /src/packages/crypto/dist packages/crypto/dist
COPY --from=build /src/packages/sdk/package.json packages/sdk/
COPY --from=build /src/packages/sdk/dist packages/sdk/dist
COPY --from=build /src/packages/server/package.json packages/server/
COPY --from=build /src/packages/server/dist packages/server/dist
COPY --from=build /src/packages/cli/package.json packages/cli/
COPY --from=build /src/packages/cli/dist packages/cli/dist
COPY --from=build /src/packages/cli/bin packages/cli/bin
# The web console (built by `npm run build`), served at / (CAIRN_CONSOLE_DIR above).
COPY --from=build /src/packages/console/dist console
RUN ln -s /app/packages/cli/bin/cairn.js /usr/local/bin/cairn
USER 10001:10001
VOLUME ["/var/lib/cairn"]
EXPOSE 16043
# Liveness: /health answers while the process does (readiness, /ready, is for load balancers).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.CAIRN_PORT||16043)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node.js is PID 1: `cairn serve` handles SIGTERM itself (graceful stop within CAIRN_SHUTDOWN_GRACE_MS).
ENTRYPOINT ["cairn"]
CMD ["serve"]
