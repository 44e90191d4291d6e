# syntax=docker/dockerfile:1
# check=error=true;experimental=all
# The tikv-operator image: one compiled binary (bun build --compile) on a distroless base.
#   docker build -t tikv-operator:0.1.0 .
# hack/dockerfile.test.ts lints this file; hack/build-binary.integration.test.ts builds the binary the way the
# builder stage does (same context, same commands) and runs it against a real control plane.

FROM oven/bun:1.4.5 AS builder
WORKDIR /src
# Dependencies first, so that source changes reuse the cached install. Production dependencies only: the
# build needs no dev tools (Bun transpiles TypeScript itself).
COPY package.json bun.lock bunfig.toml ./
RUN bun install --frozen-lockfile --production
COPY tsconfig.json ./
COPY cmd ./cmd
COPY core ./core
COPY plugins ./plugins
COPY hack/build-binary.ts ./hack/build-binary.ts
# The same script as `bun run build` on a workstation: writes dist/tikv-operator.
RUN bun run build

# glibc is all the binary links against (the Bun runtime embeds its TLS stack and root certificates); the
# cc variant adds libgcc/libstdc++ for safety at ~2 MB. Pin it by digest in release builds.
FROM gcr.io/distroless/cc-debian12:nonroot
LABEL org.opencontainers.image.title="tikv-operator" \
      org.opencontainers.image.description="Kubernetes operator for TiKV clusters (PD + TiKV)" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="0.1.0"
COPY --from=builder /src/dist/tikv-operator /tikv-operator
# Numeric, so that the kubelet can verify runAsNonRoot. The binary writes no files: it runs with a read-only
# root filesystem (TMPDIR=/tmp is only for libraries that might want a scratch file; deploy/ mounts an emptyDir).
USER 65532:65532
ENV TMPDIR=/tmp
EXPOSE 8080
ENTRYPOINT ["/tikv-operator"]
CMD ["run"]
