package store_test

import (
	"strings"
	"testing"

	"github.com/rtkbot/rtkbot/internal/store"
)

// TestPostgresOpenErrors: a Postgres that cannot be reached or a malformed
// URL fails Open with an error that names the problem but never the
// password.
func TestPostgresOpenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, databaseURL, wantErr string
	}{
		{"nothing listening", "postgres://bot:hunter2@127.0.0.1:1/rtkbot?connect_timeout=5", "127.0.0.1"},
		{"malformed", "postgresql://bot:hunter2@127.0.0.1:notaport/rtkbot", "DATABASE_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := store.Open(t.Context(), tt.databaseURL, nil)
			if err == nil {
				_ = s.Close()
				t.Fatal("Open: got no error")
			}
			mustContain(t, "error", err.Error(), tt.wantErr)
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q reveals the password", err)
			}
		})
	}
}
