package slackfake

import (
	"net/http"
	"net/url"
	"strings"
)

// userObject is Slack's user object as users.info returns it.
type userObject struct {
	ID                     string        `json:"id"`
	TeamID                 string        `json:"team_id"`
	Name                   string        `json:"name"`
	Deleted                bool          `json:"deleted"`
	Color                  string        `json:"color"`
	RealName               string        `json:"real_name"`
	TZ                     string        `json:"tz"`
	TZLabel                string        `json:"tz_label"`
	TZOffset               int           `json:"tz_offset"`
	Profile                profileObject `json:"profile"`
	IsAdmin                bool          `json:"is_admin"`
	IsOwner                bool          `json:"is_owner"`
	IsPrimaryOwner         bool          `json:"is_primary_owner"`
	IsRestricted           bool          `json:"is_restricted"`
	IsUltraRestricted      bool          `json:"is_ultra_restricted"`
	IsBot                  bool          `json:"is_bot"`
	IsAppUser              bool          `json:"is_app_user"`
	Updated                int64         `json:"updated"`
	IsEmailConfirmed       bool          `json:"is_email_confirmed"`
	WhoCanShareContactCard string        `json:"who_can_share_contact_card"`
	Locale                 string        `json:"locale"`
}

type profileObject struct {
	Title                 string `json:"title"`
	Phone                 string `json:"phone"`
	Skype                 string `json:"skype"`
	RealName              string `json:"real_name"`
	RealNameNormalized    string `json:"real_name_normalized"`
	DisplayName           string `json:"display_name"`
	DisplayNameNormalized string `json:"display_name_normalized"`
	Fields                any    `json:"fields"`
	StatusText            string `json:"status_text"`
	StatusEmoji           string `json:"status_emoji"`
	StatusExpiration      int    `json:"status_expiration"`
	AvatarHash            string `json:"avatar_hash"`
	Email                 string `json:"email,omitempty"`
	FirstName             string `json:"first_name"`
	LastName              string `json:"last_name"`
	Image24               string `json:"image_24"`
	Image48               string `json:"image_48"`
	Image72               string `json:"image_72"`
	Team                  string `json:"team"`
}

// usersInfo serves users.info for seeded users.
func (s *Server) usersInfo(w http.ResponseWriter, p url.Values) {
	s.mu.Lock()
	u, ok := s.users[p.Get("user")]
	s.mu.Unlock()
	if !ok {
		writeError(w, "user_not_found")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "user": renderUser(u)})
}

func renderUser(u User) userObject {
	first, last, _ := strings.Cut(u.RealName, " ")
	image := "https://secure.gravatar.com/avatar/fake.jpg"
	return userObject{
		ID:       u.ID,
		TeamID:   u.TeamID,
		Name:     u.Name,
		Deleted:  u.Deleted,
		Color:    "9f69e7",
		RealName: u.RealName,
		TZ:       "Europe/London",
		TZLabel:  "Greenwich Mean Time",
		Profile: profileObject{
			RealName:              u.RealName,
			RealNameNormalized:    u.RealName,
			DisplayName:           u.DisplayName,
			DisplayNameNormalized: u.DisplayName,
			AvatarHash:            "g0fake",
			Email:                 u.Email,
			FirstName:             first,
			LastName:              last,
			Image24:               image,
			Image48:               image,
			Image72:               image,
			Team:                  u.TeamID,
		},
		IsAdmin:                u.IsAdmin,
		IsOwner:                u.IsOwner,
		IsPrimaryOwner:         u.IsPrimaryOwner,
		IsBot:                  u.IsBot,
		Updated:                1700000000,
		IsEmailConfirmed:       u.Email != "",
		WhoCanShareContactCard: "EVERYONE",
		Locale:                 "en-US",
	}
}
