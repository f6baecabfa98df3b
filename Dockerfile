# steward's container image: built from Debian bookworm packages only.
#   docker build -t steward .
#   docker run --rm steward version
FROM debian:bookworm AS build
WORKDIR /src
COPY scripts/setup scripts/packages.txt scripts/
RUN ./scripts/setup
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DSTEWARD_BUILD_TESTS=OFF -DSTEWARD_BUILD_BENCH=OFF \
 && cmake --build /build -j"$(nproc)" --target steward

FROM debian:bookworm-slim
# Runtime libraries only: the shared objects steward links against.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3 libyaml-cpp0.7 \
      libprometheus-cpp-core1.0 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/bin/steward /usr/local/bin/steward
# Non-root, as the deploy manifests run it (runAsNonRoot).
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/steward"]
