# syntax=docker/dockerfile:1
# ewom as a static binary on distroless: no shell, no libc, non-root.
# The embedded chDB store needs libchdb.so and is not in this image: set
# store.dsn (EWOM_STORE_DSN) to a ClickHouse server, as docker-compose.yml does.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/ewom ./cmd/ewom \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ewom /usr/local/bin/ewom
COPY --from=build --chown=nonroot:nonroot /out/data /var/lib/ewom
USER nonroot:nonroot
ENV EWOM_DATA_DIR=/var/lib/ewom
VOLUME ["/var/lib/ewom"]
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/ewom"]
CMD ["serve", "--config", "/etc/ewom/ewom.yaml"]
