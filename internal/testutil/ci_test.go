package testutil

import "testing"

func TestCIValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		v    string
		want bool
	}{
		{"", false},
		{"0", false},
		{"false", false},
		{"False", false},
		{"FALSE", false},
		{" false ", false},
		{"   ", false},
		{"true", true},
		{"TRUE", true},
		{"1", true},
		{"yes", true},
		{"github-actions", true},
	}
	for _, tt := range tests {
		if got := ciValue(tt.v); got != tt.want {
			t.Errorf("CI=%q: in CI = %v, want %v", tt.v, got, tt.want)
		}
	}
}

// TestInCIReadsTheEnvironment: InCI is ciValue of $CI, so CI=true and CI=1
// mean the same thing to every test that skips outside CI.
func TestInCIReadsTheEnvironment(t *testing.T) {
	for _, tt := range []struct {
		v    string
		want bool
	}{{"true", true}, {"1", true}, {"0", false}, {"false", false}, {"", false}} {
		t.Setenv("CI", tt.v)
		if got := InCI(); got != tt.want {
			t.Errorf("CI=%q: InCI() = %v, want %v", tt.v, got, tt.want)
		}
	}
}
