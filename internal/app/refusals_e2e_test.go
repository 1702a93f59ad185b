package app_test

import (
	"database/sql"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rtkbot/rtkbot/internal/config"
	"github.com/rtkbot/rtkbot/internal/secret"
)

// TestRefusalFloodLeavesActionsInView floods the bot with 100 refused
// commands from one non-moderator, each with long arguments, between two
// moderator actions: /meeting audit still shows the actions, --refusals
// shows the refusals as one entry and a count, the audit channel gets one
// post for them, and the database keeps a few short rows, not hundreds.
func TestRefusalFloodLeavesActionsInView(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "flood.db")
	w := newWorld(t, func(c *config.Config) {
		c.AuditChannel = "C0AUDIT"
		c.DatabaseURL = secret.String("sqlite:" + db)
	})
	mustContain(t, "mute", shown(t, w.answer(modID, "mute "+meetingID+" carol")), "Carol Díaz")

	long := strings.Repeat("z", 1500)
	flood := "kick " + meetingID + " " + long + " " + strings.Repeat("somebody ", 120)
	for i := range 100 {
		r := w.answer(userID, flood)
		if !strings.Contains(strings.ToLower(shown(t, r)), "moderator") {
			t.Fatalf("refused command %d answered:\n%s", i, shown(t, r))
		}
	}
	w.clock.Advance(time.Minute)
	w.answer(userID, flood) // a minute later: recorded, with the count
	w.answer(modID, "mute-all "+meetingID)

	audit := shown(t, w.answer(modID, "audit "+meetingID))
	mustContain(t, "audit", audit, "`mute`", "Carol Díaz", "`mute-all`", "all 2 entries")
	if strings.Contains(audit, "<@"+userID+">") {
		t.Errorf("the refusals show in the audit log without --refusals:\n%s", audit)
	}
	all := shown(t, w.answer(modID, "audit "+meetingID+" 50 --refusals"))
	mustContain(t, "audit --refusals", all, "`mute`", "`mute-all`", "<@"+userID+">", "`kick`", "all 4 entries",
		"Refused 99 more time(s)")
	if strings.Contains(all, long) || !strings.Contains(all, "…") {
		t.Errorf("a 1500-byte argument was shown whole, or not marked as cut:\n%.3000s", all)
	}

	// Audit channel: the mute, two refusals, the mute-all, in that order;
	// the mute-all being last, no refusal post can be still on its way.
	posted, err := w.slack.WaitPosted(w.ctx(), 4)
	if err != nil {
		t.Fatalf("audit channel: %v", err)
	}
	if n := len(w.slack.Posted()); n != 4 || !strings.Contains(posted[3].Text+string(posted[3].Blocks), "mute-all") {
		t.Errorf("audit channel got %d posts, the 4th %q; want 4, the last about mute-all", n, posted[3].Text)
	}

	resp, err := http.Get("http://" + w.app.HTTPAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "metrics", readAll(t, resp), `rtkbot_refusals_not_recorded_total{verb="kick"} 99`)

	w.stopApp()
	conn, err := sql.Open("sqlite", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for table, want := range map[string]int{
		"audit_log":        4, // two actions, two refusals
		"deliveries":       4, // the actions' envelope and trigger; none for refusals
		"refusal_throttle": 1,
	} {
		var n int
		if err := conn.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("%s has %d rows after 101 refusals and 2 actions, want %d", table, n, want)
		}
	}
	var size int
	if err := conn.QueryRow(`SELECT max(length(targets) + length(detail)) FROM audit_log`).Scan(&size); err != nil {
		t.Fatal(err)
	}
	if size > 2500 {
		t.Errorf("an audit row keeps %d bytes of targets and detail, want at most 2500", size)
	}
}
