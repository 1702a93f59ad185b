package slackfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// rateLimit is an injected run of 429 answers for one method.
type rateLimit struct {
	retryAfter time.Duration
	remaining  int
}

// botMethods are the Web API methods served with the bot token.
var botMethods = map[string]func(*Server, http.ResponseWriter, url.Values){
	"auth.test":             (*Server).authTest,
	"bots.info":             (*Server).botsInfo,
	"users.info":            (*Server).usersInfo,
	"usergroups.users.list": (*Server).usergroupsUsersList,
	"chat.postMessage":      (*Server).chatPostMessage,
	"chat.postEphemeral":    (*Server).chatPostEphemeral,
	"chat.update":           (*Server).chatUpdate,
}

// handleAPI serves /api/{method}. As Slack, it answers errors with HTTP
// 200 and {"ok":false,"error":…}, except rate limits (429).
func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	params, token, err := readParams(r)
	if err != nil {
		writeError(w, "invalid_form_data")
		return
	}

	s.mu.Lock()
	s.calls[method]++
	s.notifyLocked()
	rl := s.rateLimits[method]
	limited := rl != nil && rl.remaining > 0
	if limited {
		rl.remaining--
	}
	s.mu.Unlock()
	if limited {
		secs := int(math.Ceil(rl.retryAfter.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeJSON(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error": "ratelimited"})
		return
	}

	if method == "apps.connections.open" {
		s.openConnection(w, token)
		return
	}
	handler, ok := botMethods[method]
	if !ok {
		writeError(w, "unknown_method")
		return
	}
	switch token {
	case s.cfg.BotToken:
		handler(s, w, params)
	case "":
		writeError(w, "not_authed")
	case s.cfg.AppToken:
		writeError(w, "not_allowed_token_type")
	default:
		writeError(w, "invalid_auth")
	}
}

// readParams reads a Web API call's arguments from a form or JSON body
// (and the query string) and its token from the Authorization header or
// the token argument. The token is removed from the arguments.
func readParams(r *http.Request) (params url.Values, token string, err error) {
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		token = strings.TrimSpace(bearer)
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		params = r.URL.Query()
		raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			return nil, "", err
		}
		if len(bytes.TrimSpace(raw)) > 0 {
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(raw, &fields); err != nil {
				return nil, "", err
			}
			for k, v := range fields {
				var str string
				if json.Unmarshal(v, &str) == nil {
					params.Set(k, str)
				} else {
					params.Set(k, string(v)) // blocks, numbers, booleans as JSON text
				}
			}
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(maxBody); err != nil {
			return nil, "", err
		}
		params = r.Form
	default:
		if err := r.ParseForm(); err != nil {
			return nil, "", err
		}
		params = r.Form
	}
	if token == "" {
		token = params.Get("token")
	}
	params.Del("token")
	return params, token, nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code string) {
	writeJSON(w, http.StatusOK, map[string]any{"ok": false, "error": code})
}

// InjectRateLimit makes the next `times` calls of a Web API method
// (including apps.connections.open) fail with HTTP 429, Retry-After
// (whole seconds, rounded up) and {"ok":false,"error":"ratelimited"}.
func (s *Server) InjectRateLimit(method string, retryAfter time.Duration, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rateLimits[method] = &rateLimit{retryAfter: retryAfter, remaining: times}
}

// Calls is how many times a Web API method was called, whatever the
// outcome.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// AddUser seeds (or replaces) a workspace member for users.info.
func (s *Server) AddUser(u User) {
	if u.TeamID == "" {
		u.TeamID = s.cfg.TeamID
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.ID] = u
}

// AddUserGroup seeds (or replaces) a user group for usergroups.users.list.
func (s *Server) AddUserGroup(id string, members []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[id] = append([]string{}, members...)
}

func (s *Server) authTest(w http.ResponseWriter, _ url.Values) {
	body := map[string]any{
		"ok":                    true,
		"url":                   fmt.Sprintf("https://%s.slack.com/", s.cfg.TeamDomain),
		"team":                  "Fake Workspace",
		"user":                  "rtkbot",
		"team_id":               s.cfg.TeamID,
		"user_id":               s.cfg.BotUserID,
		"bot_id":                s.cfg.BotID,
		"is_enterprise_install": false,
	}
	if s.cfg.EnterpriseID != "" {
		body["enterprise_id"] = s.cfg.EnterpriseID
	}
	writeJSON(w, http.StatusOK, body)
}

// botsInfo knows one bot, the app's own: auth.test names it but not the
// app, which bots.info does (app_id).
func (s *Server) botsInfo(w http.ResponseWriter, p url.Values) {
	if p.Get("bot") != s.cfg.BotID {
		writeError(w, "bot_not_found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "bot": map[string]any{
		"id": s.cfg.BotID, "deleted": false, "name": "rtkbot", "updated": 1700000000,
		"app_id": s.cfg.AppID, "user_id": s.cfg.BotUserID,
		"icons": map[string]string{"image_36": "https://a.slack-edge.com/80588/img/plugins/app/bot_36.png"},
	}})
}

func (s *Server) usergroupsUsersList(w http.ResponseWriter, p url.Values) {
	s.mu.Lock()
	members, ok := s.groups[p.Get("usergroup")]
	s.mu.Unlock()
	if !ok {
		writeError(w, "no_such_subteam")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "users": members})
}
