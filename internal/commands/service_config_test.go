package commands

import "testing"

// TestNewRejectsBadConfig pins New's errors: the first problem found, in
// the order Realtime, Directory, then the durations.
func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"nothing", Config{ConfirmTTL: -1}, "commands: Config.Realtime is required"},
		{"no directory", Config{Realtime: newFakeRT(), GroupCacheTTL: -1}, "commands: Config.Directory is required"},
		{"negative TTL", Config{Realtime: newFakeRT(), Directory: newFakeDir(), GroupCacheTTL: -1},
			"commands: ConfirmTTL and GroupCacheTTL must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.cfg)
			if err == nil || err.Error() != tt.want {
				t.Errorf("New: err = %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := New(Config{Realtime: newFakeRT(), Directory: newFakeDir()}); err != nil {
		t.Errorf("New(minimal config) = %v", err)
	}
}
