# syntax=docker/dockerfile:1
# Tributary's image: the package's bin on the image's Node 24, as a non-root user.
#
#   docker build -t tributary .
#   docker volume create tributary-data
#   docker run --rm -v tributary-data:/var/lib/tributary tributary keys create --name ops --role admin
#   docker run -d -p 3000:3000 -v tributary-data:/var/lib/tributary tributary
#
# The default command listens on 0.0.0.0, so API keys are required (docs/security.md) and the
# server refuses to start until <data dir>/auth/keys.json holds one: make it with `keys create`
# on the same volume first, as above, or mount a keys file there (deploy/compose.yaml,
# deploy/kubernetes/). deploy/README.md runs the scale-out roles on Kafka and OpenSearch.

# --- build: every dependency (esbuild for the web UI), the UI, then production deps only ---
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the only install scripts are the npm `node` package's (it downloads a second
# Node 24, which this image already has) and esbuild's optional check; the UI is built below.
RUN npm ci --ignore-scripts --no-audit --no-fund
# the UI imports a few modules of src/ (query formatting, field paths)
COPY scripts/build-ui.ts scripts/
COPY ui ui
COPY src src
RUN npm run build:ui \
    && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm cache clean --force

# --- runtime: Node 24, production node_modules, the sources (run as TypeScript by Node) and the built UI ---
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    TRIBUTARY_DATA_DIR=/var/lib/tributary
WORKDIR /app
# owned by root and not writable by the user that runs Tributary
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/ui/dist ./ui/dist
COPY package.json ./
COPY bin ./bin
COPY src ./src
# the data dir (embedded log and store, pipeline checkpoints, saved searches, auth/keys.json),
# owned by the node image's user 1000, whose ownership a new volume takes over
RUN mkdir -p /var/lib/tributary/auth \
    && chown -R 1000:1000 /var/lib/tributary \
    && chmod 0700 /var/lib/tributary/auth
# numeric, so Kubernetes' runAsNonRoot can tell it is not root
USER 1000:1000
VOLUME ["/var/lib/tributary"]
EXPOSE 3000
# /healthz answers without a key. Over plain HTTP on 127.0.0.1: with --tls-cert or another
# --host, override this check (Kubernetes ignores it and uses the manifests' probes).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.TRIBUTARY_PORT || process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/bin/tributary.js"]
# the data dir named for `start` and, through TRIBUTARY_DATA_DIR, for `keys` and `users`
CMD ["start", "--host", "0.0.0.0", "--data-dir", "/var/lib/tributary"]
