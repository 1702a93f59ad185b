# syntax=docker/dockerfile:1
# Build: docker build -t rtkbot .
# Run:   docker run --rm --env-file .env -p 8080:8080 rtkbot

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# Static binary: no cgo, so it runs on a distroless base with no libc.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/rtkbot ./cmd/bot

# distroless/static ships CA certificates and tzdata, and a nonroot user
# (65532); nothing else, so there is no shell to exploit.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/rtkbot /usr/local/bin/rtkbot
USER nonroot:nonroot
EXPOSE 8080
ENV BOT_HTTP_ADDR=:8080
ENTRYPOINT ["/usr/local/bin/rtkbot"]
