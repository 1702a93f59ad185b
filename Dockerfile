# syntax=docker/dockerfile:1
# Build: docker build -t rtkbot .
# Run:   docker run --rm --env-file rtkbot.env --stop-timeout 30 -v rtkbot-data:/data -p 8080:8080 rtkbot
#        (rtkbot.env from rtkbot.env.example; --stop-timeout 8s above BOT_SHUTDOWN_TIMEOUT, 20s)

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static binary: no cgo (SQLite is pure Go), so it runs on a base with no libc.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/rtkbot ./cmd/bot
# The SQLite database lives in /data, owned by the nonroot user so a fresh
# named volume mounted there is writable.
RUN mkdir -p /out/data

# distroless/static ships CA certificates and tzdata, and a nonroot user
# (65532); nothing else, so there is no shell to exploit.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/rtkbot /usr/local/bin/rtkbot
COPY --from=build --chown=65532:65532 /out/data /data
USER nonroot:nonroot
EXPOSE 8080
ENV BOT_HTTP_ADDR=:8080 \
    DATABASE_URL=sqlite:///data/rtkbot.db
VOLUME ["/data"]
ENTRYPOINT ["/usr/local/bin/rtkbot"]
