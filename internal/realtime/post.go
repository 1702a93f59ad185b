package realtime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// userAgent names rtkbot to the API on the requests it builds itself.
const userAgent = "rtkbot"

// post sends body as JSON to path (relative to the base URL) for the
// endpoints the SDK does not wrap (mute, mute-all), through the same
// limiter and retries as the SDK's requests, and decodes a success answer
// into out. Its errors are for classify, which reads the status and body
// from x.
//
// It does not go through the SDK's generic cloudflare.Client.Post, which
// would bring back the SDK's root package (see New).
func (c *Client) post(ctx context.Context, x *call, path string, body, out any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode request body: %w", err)
	}
	u, err := c.baseURL.Parse(path)
	if err != nil {
		return fmt.Errorf("build request URL: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token.Reveal())
	req.Header.Set("User-Agent", userAgent)
	res, err := c.roundTrip(x, req, c.httpClient.Do)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode >= 400 {
		return fmt.Errorf("HTTP %d", res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		return fmt.Errorf("decode response: %w", err)
	}
	_, _ = io.Copy(io.Discard, res.Body) // let the connection be reused
	return nil
}
