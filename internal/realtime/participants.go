package realtime

import (
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/cloudflare/cloudflare-go/v6/option"
	"github.com/cloudflare/cloudflare-go/v6/realtime_kit"
	"github.com/rtkbot/rtkbot/internal/meeting"
)

// pageSize is the per_page of paged reads; maxPages bounds how many pages
// one call reads, so a server that ignores page_no cannot loop us forever.
const (
	pageSize = 100
	maxPages = 100
)

// LiveParticipants returns who is in the meeting's active session now, in
// join order, one entry per participant even if they joined from several
// devices. Errors: those of ActiveSession.
func (c *Client) LiveParticipants(ctx context.Context, meetingID string) ([]meeting.Participant, error) {
	if err := checkID("meeting", meetingID); err != nil {
		return nil, fmt.Errorf("list live participants of meeting %s: %w", meetingID, err)
	}
	ps, err := cachedRead(ctx, c.cache, readLiveParticipants, meetingID, func(ctx context.Context) ([]meeting.Participant, error) {
		s, err := c.activeSession(ctx, meetingID)
		if err != nil {
			return nil, err
		}
		return c.sessionParticipants(ctx, meetingID, s.ID)
	})
	if err != nil {
		return nil, fmt.Errorf("list live participants of meeting %s: %w", meetingID, err)
	}
	return slices.Clone(ps), nil
}

// sessionParticipants reads every page of a session's participant list,
// which has no paging metadata: a short page is the last. The list holds
// every peer that ever joined; those with left_at are gone.
func (c *Client) sessionParticipants(ctx context.Context, meetingID, sessionID string) ([]meeting.Participant, error) {
	var live []meeting.Participant
	seen := make(map[string]int) // user ID → index in live
	for page := 1; page <= maxPages; page++ {
		x := &call{route: routeSessionParticipants, meetingID: meetingID}
		var params realtime_kit.SessionGetSessionParticipantsParams
		params.AccountID.Value, params.AccountID.Present = c.accountID, true
		params.PageNo.Value, params.PageNo.Present = float64(page), true
		params.PerPage.Value, params.PerPage.Present = pageSize, true
		// A stable order keeps pages from overlapping or skipping people
		// while others join.
		params.SortBy.Value, params.SortBy.Present = realtime_kit.SessionGetSessionParticipantsParamsSortByJoinedAt, true
		params.SortOrder.Value, params.SortOrder.Present = realtime_kit.SessionGetSessionParticipantsParamsSortOrderAsc, true
		var res participantsPage
		_, err := c.rtk.Sessions.GetSessionParticipants(ctx, c.appID, sessionID, params,
			append(c.opts(x), option.WithResponseBodyInto(&res))...)
		if err = c.classify(x, err); err != nil {
			return nil, err
		}
		for _, p := range res.Data.Participants {
			if p.LeftAt != "" && p.LeftAt != "null" {
				continue
			}
			if p.UserID == "" {
				// Only the peer ID is known, and it is no kick or mute
				// target; listing it would invite a failing command.
				c.log.LogAttrs(ctx, slog.LevelWarn, "realtimekit: live peer without user_id",
					slog.String("meeting_id", meetingID), slog.String("peer_id", p.ID))
				continue
			}
			q := meeting.Participant{
				ID:                  p.UserID,
				CustomParticipantID: p.CustomParticipantID,
				Name:                p.DisplayName,
				Preset:              p.PresetName,
				JoinedAt:            parseTime(p.JoinedAt),
			}
			if i, ok := seen[q.ID]; ok {
				// Same person, another device: keep the first join.
				if q.JoinedAt.Before(live[i].JoinedAt) {
					live[i] = q
				}
				continue
			}
			seen[q.ID] = len(live)
			live = append(live, q)
		}
		if len(res.Data.Participants) < pageSize {
			slices.SortStableFunc(live, func(a, b meeting.Participant) int { return a.JoinedAt.Compare(b.JoinedAt) })
			return live, nil
		}
	}
	c.log.LogAttrs(ctx, slog.LevelWarn, "realtimekit: participant list truncated",
		slog.String("meeting_id", meetingID), slog.Int("pages", maxPages))
	slices.SortStableFunc(live, func(a, b meeting.Participant) int { return a.JoinedAt.Compare(b.JoinedAt) })
	return live, nil
}

// participantsPage is what the bot reads of a page of session
// participants. The SDK builds the request, but the answer is decoded here
// with encoding/json: the SDK's reflective decoder (apijson over gjson),
// which also keeps every field's raw JSON, was ~8% of the bot's CPU under
// a steady load of status, mute and kick commands, for one small page.
type participantsPage struct {
	Data struct {
		Participants []struct {
			ID                  string `json:"id"`
			UserID              string `json:"user_id"`
			CustomParticipantID string `json:"custom_participant_id"`
			DisplayName         string `json:"display_name"`
			PresetName          string `json:"preset_name"`
			JoinedAt            string `json:"joined_at"`
			LeftAt              string `json:"left_at"`
		} `json:"participants"`
	} `json:"data"`
}

// MeetingParticipants returns everyone registered on the meeting, whether in a
// session or not. JoinedAt is zero: registration is not joining. Errors:
// meeting.ErrMeetingNotFound, meeting.ErrUnauthorized, *meeting.RateLimitError,
// meeting.ErrUpstream (all wrapped), ctx errors.
func (c *Client) MeetingParticipants(ctx context.Context, meetingID string) ([]meeting.Participant, error) {
	if err := checkID("meeting", meetingID); err != nil {
		return nil, fmt.Errorf("list participants of meeting %s: %w", meetingID, err)
	}
	ps, err := cachedRead(ctx, c.cache, readMeetingParticipants, meetingID, func(ctx context.Context) ([]meeting.Participant, error) {
		return c.meetingParticipants(ctx, meetingID)
	})
	if err != nil {
		return nil, fmt.Errorf("list participants of meeting %s: %w", meetingID, err)
	}
	return slices.Clone(ps), nil
}

func (c *Client) meetingParticipants(ctx context.Context, meetingID string) ([]meeting.Participant, error) {
	var all []meeting.Participant
	for page := 1; page <= maxPages; page++ {
		x := &call{route: routeMeetingParticipants, meetingID: meetingID}
		var params realtime_kit.MeetingGetMeetingParticipantsParams
		params.AccountID.Value, params.AccountID.Present = c.accountID, true
		params.PageNo.Value, params.PageNo.Present = float64(page), true
		params.PerPage.Value, params.PerPage.Present = pageSize, true
		res, err := c.rtk.Meetings.GetMeetingParticipants(ctx, c.appID, meetingID, params, c.opts(x)...)
		if err = c.classify(x, err); err != nil {
			return nil, err
		}
		for _, p := range res.Data {
			all = append(all, meeting.Participant{
				ID:                  p.ID,
				CustomParticipantID: p.CustomParticipantID,
				Name:                p.Name,
				Preset:              p.PresetName,
			})
		}
		// total_count, not a short page, ends the list: the server may
		// cap per_page below what we asked for.
		if len(res.Data) == 0 || len(all) >= int(res.Paging.TotalCount) {
			return all, nil
		}
	}
	c.log.LogAttrs(ctx, slog.LevelWarn, "realtimekit: meeting participant list truncated",
		slog.String("meeting_id", meetingID), slog.Int("pages", maxPages))
	return all, nil
}
