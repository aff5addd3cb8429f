# syntax=docker/dockerfile:1
# The syntax line pins a BuildKit frontend: the build uses cache mounts, COPY --chmod and a
# heredoc, none of which the legacy builder understands.

# ---- build ------------------------------------------------------------------------------------
# Bookworm on both stages, so the binary links against the same glibc it runs with.
FROM rust:1.95-slim-bookworm AS build

# tikv-jemalloc-sys compiles jemalloc from C with configure and make; the slim image lacks make.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev make \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# The whole workspace, because cargo loads every member's manifest even for `-p api`:
# - .cargo/config.toml sets JEMALLOC_SYS_WITH_MALLOC_CONF, baked into jemalloc at compile time;
#   without it the image would build, but with an allocator that keeps freed pages.
# - api/ carries data/ and assets/, which the binary embeds at compile time.
# - bench/ (the benchmark) is a member, and reads the queries in examples/.
# - tests/ and examples/ belong to the root package (its [[test]] target names
#   tests/integration/main.rs); they are small, and copying them keeps the workspace exactly
#   as cargo sees it in a checkout.
# A new workspace member needs a line here too.
COPY Cargo.toml Cargo.lock schema.graphql ./
COPY .cargo/ .cargo/
COPY api/ api/
COPY bench/ bench/
COPY entity/ entity/
COPY migration/ migration/
COPY tests/ tests/
COPY examples/ examples/

# Cache mounts keep the crate downloads and compiled dependencies between builds, so a source
# change recompiles only the workspace crates. The target directory is a cache, not part of
# the image: the binary must be copied out of it in this same RUN. --locked builds exactly
# Cargo.lock. The ids are namespaced so another project's /src/target cannot share them.
RUN --mount=type=cache,id=send-inspections-cargo-registry,target=/usr/local/cargo/registry \
    --mount=type=cache,id=send-inspections-cargo-git,target=/usr/local/cargo/git \
    --mount=type=cache,id=send-inspections-target,target=/src/target \
    cargo build --release --locked -p api \
 && install -D -m 0755 target/release/api /out/api

# ---- runtime ----------------------------------------------------------------------------------
FROM debian:bookworm-slim

# ca-certificates: JWT_JWKS_URL is fetched over https (rustls reads the system roots).
# No OpenSSL: every TLS client in the binary is rustls.
# A fixed, numeric non-root uid so volume ownership is predictable and Kubernetes'
# runAsNonRoot can verify it. /data is created and owned here, before VOLUME below: a named
# volume copies the image's ownership on first use, so SQLite can create its file and its
# -wal/-shm siblings there.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 api \
 && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin api \
 && install -d -o 10001 -g 10001 -m 0750 /data

COPY --from=build /out/api /usr/local/bin/api

# The health probe without curl: curl would add libcurl and a dozen libraries (and their CVEs)
# for one request, where bash, already in the image, can speak HTTP over /dev/tcp. The port
# follows LISTEN_ADDR, so overriding it does not leave the probe knocking on the old one.
# /health/live does no I/O: a slow database makes the container unready, not unhealthy, so it
# is not restarted for an outage it cannot fix.
COPY --chmod=0755 <<'EOF' /usr/local/bin/healthcheck
#!/bin/bash
set -euo pipefail
address=${LISTEN_ADDR:-0.0.0.0:8080}
exec 3<>"/dev/tcp/127.0.0.1/${address##*:}"
printf 'GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
IFS= read -r -t 2 status <&3
[[ $status == "HTTP/1."[01]" 200 "* ]]
EOF

USER 10001:10001
WORKDIR /data
VOLUME ["/data"]

# SQLite in the volume by default, so one `docker run` works and keeps its data; point
# DATABASE_URL at PostgreSQL for production (see compose.yaml). The server's own default
# listens on 127.0.0.1, unreachable from outside a container.
ENV DATABASE_URL="sqlite:///data/send-inspections.sqlite?mode=rwc" \
    LISTEN_ADDR="0.0.0.0:8080"

EXPOSE 8080

HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/healthcheck"]

# Exec form: the binary is PID 1 and receives SIGTERM itself, then drains in-flight requests
# for SHUTDOWN_GRACE_SECS (10 by default). Docker's own stop timeout is also 10 s, so give
# `docker stop -t 15` / `docker run --stop-timeout 15` (compose.yaml sets stop_grace_period).
# `serve` is explicit because SEED_DEMO is read only by the `serve` (and `seed`) subcommand;
# a bare `api` serves without looking at it.
ENTRYPOINT ["/usr/local/bin/api"]
CMD ["serve"]
