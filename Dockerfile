# syntax=docker/dockerfile:1
# Build a static binary, then run it on distroless as a non-root user.
# .ci/run builds the binary the same way (CGO_ENABLED=0 -trimpath) to keep this honest.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/lrlab ./cmd/server

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/lrlab /lrlab
ENV ADDR=:8080
EXPOSE 8080
USER nonroot:nonroot
# distroless has no shell or curl: the binary checks its own /healthz.
HEALTHCHECK --interval=15s --timeout=3s --start-period=5s --retries=3 CMD ["/lrlab", "-healthcheck"]
ENTRYPOINT ["/lrlab"]
