package rtkfake

import (
	"io"
	"net/http"
	"strings"
)

// Route names, as recorded in Request.Route and used by SetFault.
const (
	RouteMeeting             = "meeting"              // GET meetings/{id}
	RouteActiveSession       = "active-session"       // GET meetings/{id}/active-session
	RouteSessionParticipants = "session-participants" // GET sessions/{id}/participants
	RouteMeetingParticipants = "meeting-participants" // GET meetings/{id}/participants
	RouteKick                = "kick"                 // POST meetings/{id}/active-session/kick
	RouteKickAll             = "kick-all"             // POST meetings/{id}/active-session/kick-all
	RouteMute                = "mute"                 // POST meetings/{id}/active-session/mute
	RouteMuteAll             = "mute-all"             // POST meetings/{id}/active-session/mute-all
	RoutePoll                = "poll"                 // POST meetings/{id}/active-session/poll

	// AllRoutes, given to SetFault, makes a fault apply to every route that
	// has no fault of its own.
	AllRoutes = "*"
)

// maxBody bounds request bodies; the real API's bodies are tiny.
const maxBody = 1 << 20

// matched is what the path says: the route and the IDs in it. route is
// empty when no route serves the path.
type matched struct {
	route     string
	accountID string
	appID     string
	meetingID string
	sessionID string
}

// match parses /client/v4/accounts/{account}/realtime/kit/{app}/… by hand:
// it runs on every request of a load test, and the shapes are few.
func match(path string) matched {
	rest, ok := strings.CutPrefix(path, PathPrefix+"accounts/")
	if !ok {
		return matched{}
	}
	seg := strings.Split(rest, "/")
	// account, "realtime", "kit", app, resource, id, …
	if len(seg) < 6 || seg[1] != "realtime" || seg[2] != "kit" || seg[0] == "" || seg[3] == "" || seg[5] == "" {
		return matched{}
	}
	m := matched{accountID: seg[0], appID: seg[3]}
	tail := seg[6:]
	switch seg[4] {
	case "meetings":
		m.meetingID = seg[5]
		m.route = meetingRoute(tail)
	case "sessions":
		m.sessionID = seg[5]
		if len(tail) == 1 && tail[0] == "participants" {
			m.route = RouteSessionParticipants
		}
	}
	if m.route == "" {
		return matched{}
	}
	return m
}

func meetingRoute(tail []string) string {
	switch len(tail) {
	case 0:
		return RouteMeeting
	case 1:
		switch tail[0] {
		case "participants":
			return RouteMeetingParticipants
		case "active-session":
			return RouteActiveSession
		}
	case 2:
		if tail[0] != "active-session" {
			return ""
		}
		switch tail[1] {
		case "kick":
			return RouteKick
		case "kick-all":
			return RouteKickAll
		case "mute":
			return RouteMute
		case "mute-all":
			return RouteMuteAll
		case "poll":
			return RoutePoll
		}
	}
	return ""
}

// call is one authorized request on a known route.
type call struct {
	r *http.Request
	matched
	body []byte
}

type handler struct {
	method string
	serve  func(s *Server, w http.ResponseWriter, c *call)
}

var handlers = map[string]handler{
	RouteMeeting:             {http.MethodGet, (*Server).getMeeting},
	RouteMeetingParticipants: {http.MethodGet, (*Server).getMeetingParticipants},
	RouteActiveSession:       {http.MethodGet, (*Server).getActiveSession},
	RouteSessionParticipants: {http.MethodGet, (*Server).getSessionParticipants},
	RouteKick:                {http.MethodPost, (*Server).kick},
	RouteMute:                {http.MethodPost, (*Server).mute},
	RouteKickAll:             {http.MethodPost, (*Server).kickAll},
	RouteMuteAll:             {http.MethodPost, (*Server).muteAll},
	RoutePoll:                {http.MethodPost, (*Server).createPoll},
}

// readBody reads up to maxBody bytes; tooBig reports a longer body. A read
// error (the client went away) leaves what was read.
func readBody(r *http.Request) (body []byte, tooBig bool) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, false
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if len(b) > maxBody {
		return b[:maxBody], true
	}
	return b, false
}
