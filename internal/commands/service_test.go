package commands

import (
	"regexp"
	"testing"
	"time"
)

func TestNewChecksConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{name: "minimal", cfg: Config{Realtime: newFakeRT(), Directory: newFakeDir()}, ok: true},
		{name: "no realtime", cfg: Config{Directory: newFakeDir()}},
		{name: "no directory", cfg: Config{Realtime: newFakeRT()}},
		{name: "negative ttl", cfg: Config{Realtime: newFakeRT(), Directory: newFakeDir(), ConfirmTTL: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := New(tt.cfg)
			if (err == nil) != tt.ok {
				t.Fatalf("New error = %v, want ok=%t", err, tt.ok)
			}
			if tt.ok && (s.confirmTTL != DefaultConfirmTTL || s.authz.groupTTL != DefaultGroupCacheTTL) {
				t.Errorf("defaults not applied: confirm %s, groups %s", s.confirmTTL, s.authz.groupTTL)
			}
		})
	}
}

func TestRandomID(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 100 {
		id := randomID()
		if !regexp.MustCompile(`^[a-z2-7]{26}$`).MatchString(id) {
			t.Fatalf("randomID() = %q, want 26 base32 characters (128 bits)", id)
		}
		if seen[id] {
			t.Fatalf("randomID repeated %q", id)
		}
		seen[id] = true
	}
}

func TestRecentSet(t *testing.T) {
	t.Parallel()
	r := newRecentSet(10 * time.Minute)
	steps := []struct {
		name string
		keys []string
		at   time.Duration
		want bool
	}{
		{"new envelope", []string{"env:e1"}, 0, true},
		{"same envelope", []string{"env:e1"}, time.Minute, false},
		{"new envelope and trigger", []string{"env:e2", "trigger:t1"}, time.Minute, true},
		{"new envelope, same trigger", []string{"env:e3", "trigger:t1"}, time.Minute, false},
		{"that envelope was recorded anyway", []string{"env:e3"}, time.Minute, false},
		{"no keys", nil, 0, true},
		{"no keys again: never deduplicated", nil, 0, true},
		{"empty key ignored", []string{""}, 0, true},
		{"after the TTL", []string{"env:e1"}, 10*time.Minute + time.Second, true},
	}
	for _, s := range steps {
		if got := r.add(s.keys, t0.Add(s.at)); got != s.want {
			t.Errorf("%s: add(%q) = %t, want %t", s.name, s.keys, got, s.want)
		}
	}
}
