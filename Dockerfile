# The operator image: `make docker-build` (passes --build-arg VERSION).
# Build the manager binary with a pinned Go toolchain (the go directive of go.mod is 1.26).
FROM golang:1.26.8 AS builder
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev

WORKDIR /workspace
# Cache deps before building and copying source so that we don't need to re-download as much
# and so that source changes don't invalidate our downloaded layer
COPY go.mod go.sum ./
RUN go mod download

COPY cmd/ cmd/
COPY api/ api/
COPY internal/ internal/

# Same flags as `make build` (-trimpath, LDFLAGS with the version stamped into the binary and
# the User-Agent), and static: no cgo.
RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} go build -trimpath \
    -ldflags "-s -w -X github.com/identityops/sailpoint-mfa-operator/internal/sailpoint.Version=${VERSION}" \
    -o manager ./cmd/manager

# A minimal runtime without a shell, running as the distroless "nonroot" user (65532).
FROM gcr.io/distroless/static:nonroot
ARG VERSION=dev
LABEL org.opencontainers.image.title="sailpoint-mfa-operator" \
      org.opencontainers.image.description="Manages SailPoint Identity Security Cloud MFA configuration as Kubernetes resources" \
      org.opencontainers.image.source="https://github.com/identityops/sailpoint-mfa-operator" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"
WORKDIR /
COPY --from=builder /workspace/manager .
USER 65532:65532

ENTRYPOINT ["/manager"]
