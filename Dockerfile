# steward's container image: built from Debian bookworm packages only.
#   docker build -t steward:0.1.0 .
#   docker run --rm steward:0.1.0 version
# deploy/ runs it in Kubernetes; test/deploy/dockerfile_test.sh checks this file against the
# built binary (no Docker engine needed).

# Build stage: the toolchain and the -dev packages, none of the test tools (scripts/setup
# --build-only: the part of scripts/packages.txt above its "==" marker).
FROM debian:bookworm AS build
WORKDIR /src
COPY scripts/setup scripts/apt-get-wait scripts/packages.txt scripts/
RUN ./scripts/setup --build-only
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DSTEWARD_BUILD_TESTS=OFF -DSTEWARD_BUILD_BENCH=OFF \
 && cmake --build /build -j"$(nproc)" --target steward

# Runtime stage: the binary and the shared libraries it links, nothing else.
FROM debian:bookworm-slim
# Exactly the packages that own the libraries `ldd steward` lists (libyaml-cpp.so.0.7,
# libssl.so.3 + libcrypto.so.3, libprometheus-cpp-core.so.1.0), plus ca-certificates for API
# servers whose kubeconfig gives no CA. libc6, libgcc-s1 and libstdc++6 (libc, libm, libgcc_s,
# libstdc++) are already in bookworm-slim: apt itself needs them.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates \
      libprometheus-cpp-core1.0 \
      libssl3 \
      libyaml-cpp0.7 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/bin/steward /steward
# Non-root with a numeric id, so the kubelet can check runAsNonRoot without a passwd entry; the
# Deployment runs as the same user (runAsUser: 65532).
USER 65532:65532
# /metrics, and /healthz + /readyz (metrics.bindAddress and health.bindAddress).
EXPOSE 8080 8081
# Exec form: steward is PID 1 and gets SIGTERM and SIGHUP itself; no shell is involved. No
# HEALTHCHECK: it would need curl or a shell in the image. Kubernetes probes /healthz and /readyz
# over HTTP (deploy/base/deployment.yaml); elsewhere, probe port 8081 from outside the container.
ENTRYPOINT ["/steward"]
CMD ["--help"]
