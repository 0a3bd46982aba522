# Build the operator as a static binary, then ship it alone on distroless, as non-root.
FROM golang:1.26 AS builder
ARG TARGETOS
ARG TARGETARCH
# The release stamped into the binary (make docker-build passes VERSION and REVISION).
ARG VERSION=dev
ARG REVISION=unknown
WORKDIR /workspace
COPY go.mod go.sum ./
RUN go mod download
COPY api/ api/
COPY cmd/ cmd/
COPY controllers/ controllers/
COPY internal/ internal/
RUN CGO_ENABLED=0 GOOS=${TARGETOS:-linux} GOARCH=${TARGETARCH} \
    go build -trimpath -buildvcs=false -o manager \
    -ldflags="-s -w -X github.com/twilio-operator/twilio-operator/internal/version.Version=${VERSION} -X github.com/twilio-operator/twilio-operator/internal/version.Commit=${REVISION}" \
    ./cmd/manager

FROM gcr.io/distroless/static:nonroot
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="https://github.com/twilio-operator/twilio-operator" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /
COPY --from=builder /workspace/manager .
USER 65532:65532
ENTRYPOINT ["/manager"]
