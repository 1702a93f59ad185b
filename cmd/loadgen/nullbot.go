package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gorilla/websocket"
)

// TargetNull is a calibration target: an in-process Socket Mode client
// that acks every envelope the moment it reads it and posts a one-line
// answer to the response_url. What it measures is the floor set by
// loadgen and the fakes themselves on this machine, against which the
// real bots' numbers should be read.
const TargetNull = "null"

// runNullBot connects to the fake Slack like a Socket Mode app and serves
// until ctx ends. It returns once the connection is open.
func runNullBot(ctx context.Context, apiURL, appToken string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, apiURL+"apps.connections.open", strings.NewReader(url.Values{}.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+appToken)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("null bot: apps.connections.open: %w", err)
	}
	var open struct {
		OK    bool   `json:"ok"`
		URL   string `json:"url"`
		Error string `json:"error"`
	}
	err = json.NewDecoder(resp.Body).Decode(&open)
	resp.Body.Close()
	if err != nil || !open.OK {
		return fmt.Errorf("null bot: apps.connections.open: %v %s", err, open.Error)
	}
	ws, _, err := websocket.DefaultDialer.DialContext(ctx, open.URL, nil)
	if err != nil {
		return fmt.Errorf("null bot: dial: %w", err)
	}
	go func() {
		<-ctx.Done()
		ws.Close()
	}()
	go func() {
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			var env struct {
				EnvelopeID string `json:"envelope_id"`
				Payload    struct {
					ResponseURL string `json:"response_url"`
				} `json:"payload"`
			}
			if json.Unmarshal(data, &env) != nil || env.EnvelopeID == "" {
				continue // hello, disconnect
			}
			ack, _ := json.Marshal(map[string]string{"envelope_id": env.EnvelopeID})
			if ws.WriteMessage(websocket.TextMessage, ack) != nil {
				return
			}
			if u := env.Payload.ResponseURL; u != "" {
				go func() {
					r, err := http.Post(u, "application/json", bytes.NewReader([]byte(`{"text":"ok"}`)))
					if err == nil {
						r.Body.Close()
					}
				}()
			}
		}
	}()
	return nil
}
