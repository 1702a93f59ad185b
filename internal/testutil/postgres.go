package testutil

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// PostgresURLEnv names the Postgres server tests may create scratch
// databases on; DefaultPostgresURL is the local one CI starts.
const (
	PostgresURLEnv     = "RTKBOT_TEST_POSTGRES_URL"
	DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
)

// ScratchPostgres creates an empty database named prefix_<random> for the
// test, drops it at the end, and returns its URL. Without a reachable
// server the test is skipped, except in CI (InCI), where that is a
// failure.
func ScratchPostgres(t testing.TB, prefix string) string {
	t.Helper()
	admin := os.Getenv(PostgresURLEnv)
	if admin == "" {
		admin = DefaultPostgresURL
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := prefix + "_" + hex.EncodeToString(b)
	if err := PostgresExec(admin, "CREATE DATABASE "+name); err != nil {
		msg := fmt.Sprintf("Postgres is not usable (%v); start it with .ci/postgres.sh, or point %s at a server", err, PostgresURLEnv)
		if InCI() {
			t.Fatal(msg)
		}
		t.Skip("skipping: " + msg)
	}
	t.Cleanup(func() {
		if err := PostgresExec(admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop scratch database: %v", err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("%s must be a postgres:// URL: %v", PostgresURLEnv, err)
	}
	u.Path = "/" + name
	return u.String()
}

// PostgresExec runs one statement on the database at databaseURL.
func PostgresExec(databaseURL, sql string, args ...any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(ctx) }()
	_, err = conn.Exec(ctx, sql, args...)
	return err
}
