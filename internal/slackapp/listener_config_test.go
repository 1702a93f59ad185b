package slackapp_test

import (
	"testing"

	"github.com/rtkbot/rtkbot/internal/slackapp"
)

// TestNewListenerReportsEveryProblem pins NewListener's whole error for a
// config with every checked field wrong.
func TestNewListenerReportsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := slackapp.NewListener(slackapp.Config{OrphanAfter: -1})
	want := "slack listener config: app token is empty; bot token is empty; handler is nil; limits must not be negative"
	if err == nil || err.Error() != want {
		t.Errorf("NewListener: err = %v, want %q", err, want)
	}
}
