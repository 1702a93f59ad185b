package slackapp

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/rtkbot/rtkbot/internal/secret"
)

// NewClient builds the Web API client the bot shares: the listener opens
// the socket and checks the tokens with it, the Directory, Auditor and
// Notifier call Slack through it. apiURL defaults to DefaultAPIURL,
// httpClient to one with a 30 s timeout, logger (slack-go's debug output,
// which is off) to discard.
func NewClient(botToken, appToken secret.String, apiURL string, httpClient *http.Client, logger *slog.Logger) *slack.Client {
	if apiURL == "" {
		apiURL = DefaultAPIURL
	}
	if !strings.HasSuffix(apiURL, "/") {
		apiURL += "/" // slack-go appends method names to it
	}
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return slack.New(botToken.Reveal(),
		slack.OptionAppLevelToken(appToken.Reveal()),
		slack.OptionAPIURL(apiURL),
		slack.OptionHTTPClient(httpClient),
		slack.OptionLog(slogOutput{logger}),
	)
}
