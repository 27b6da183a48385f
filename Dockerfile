# fkvs server image. Build stage: toolchain + liburing-dev, npm ci, addon and TypeScript, then the
# dev dependencies pruned. Runtime stage: Node, liburing2 and the built app only; no compiler.
# Build, run, the seccomp profile for io_uring (deploy/seccomp-io-uring.json): docs/operations.md.

FROM docker.io/library/node:20-bookworm-slim AS build
# Private npm mirrors: the registry URL and a CA bundle (a path visible in the build, e.g. mounted).
ARG NPM_CONFIG_REGISTRY
ARG NODE_EXTRA_CA_CERTS
# node-gyp builds against the image's own Node headers instead of downloading them.
ENV npm_config_nodedir=/usr/local
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      g++ make python3 pkg-config liburing-dev \
 && apt-get clean && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts here: the addon is built below, once its sources are in.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY binding.gyp tsconfig.json ./
COPY native native
COPY src src
COPY bin bin
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM docker.io/library/node:20-bookworm-slim
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends liburing2 \
 && apt-get clean && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/bin bin
COPY --from=build /app/dist/src dist/src
COPY --from=build /app/build/Release/fkvs_native.node build/Release/fkvs_native.node
ENV PATH=/app/bin:$PATH NODE_ENV=production
# The app stays root-owned and read-only to the server's user (uid 1000 in the node images).
USER node
EXPOSE 5995
# fkvs-cli sends PING and exits 0 on the reply, 1 when the server does not answer. It probes the
# default port: a container serving on another port needs its own --health-cmd.
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 \
  CMD ["fkvs-cli", "-h", "127.0.0.1", "-p", "5995", "--non-interactive"]
# Listen on every interface of the container (fkvs's own default is 127.0.0.1). Arguments given to
# `docker run` follow: more flags (later ones win) and/or a mounted config file, which flags override.
# Node is PID 1 and handles SIGTERM itself (graceful stop), so no init is needed.
ENTRYPOINT ["fkvs-server", "--bind", "0.0.0.0"]
