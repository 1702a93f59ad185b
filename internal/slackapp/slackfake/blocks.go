package slackfake

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Block Kit limits Slack enforces on messages (invalid_blocks). The fake
// checks the blocks rtkbot renders strictly and accepts other known
// block types as they are.
const (
	maxBlocks          = 50
	maxBlockID         = 255
	maxSectionText     = 3000
	maxSectionFields   = 10
	maxFieldText       = 2000
	maxHeaderText      = 150
	maxContextElements = 10
	maxActionElements  = 25
	maxButtonText      = 75
	maxButtonValue     = 2000
	maxActionID        = 255
)

var knownBlockTypes = map[string]bool{
	"section": true, "divider": true, "header": true, "context": true, "actions": true,
	"image": true, "rich_text": true, "input": true, "file": true, "video": true, "markdown": true,
}

// validateBlocks returns Slack-style problems with a message's blocks,
// e.g. "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]";
// none means Slack would accept them.
func validateBlocks(raw json.RawMessage) []string {
	var blocks []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return []string{"[ERROR] blocks must be an array of objects [json-pointer:/blocks]"}
	}
	v := &blockValidator{blockIDs: map[string]bool{}, actionIDs: map[string]bool{}}
	if len(blocks) > maxBlocks {
		v.fail("/blocks", "must contain no more than %d items", maxBlocks)
	}
	for i, b := range blocks {
		v.block(fmt.Sprintf("/blocks/%d", i), b)
	}
	return v.problems
}

type blockValidator struct {
	problems  []string
	blockIDs  map[string]bool
	actionIDs map[string]bool
}

func (v *blockValidator) fail(ptr, format string, args ...any) {
	v.problems = append(v.problems, fmt.Sprintf("[ERROR] %s [json-pointer:%s]", fmt.Sprintf(format, args...), ptr))
}

func str(raw json.RawMessage) (string, bool) {
	var s string
	if raw == nil || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func (v *blockValidator) block(ptr string, b map[string]json.RawMessage) {
	typ, _ := str(b["type"])
	if !knownBlockTypes[typ] {
		v.fail(ptr+"/type", "unsupported type: %q", typ)
		return
	}
	if id, ok := str(b["block_id"]); ok {
		switch {
		case utf8.RuneCountInString(id) > maxBlockID:
			v.fail(ptr+"/block_id", "must be less than %d characters", maxBlockID+1)
		case v.blockIDs[id]:
			v.fail(ptr+"/block_id", "duplicate block_id %q", id)
		}
		v.blockIDs[id] = true
	}
	switch typ {
	case "section":
		_, hasText := b["text"]
		_, hasFields := b["fields"]
		if !hasText && !hasFields {
			v.fail(ptr, "must provide text or fields")
		}
		if hasText {
			v.text(ptr+"/text", b["text"], maxSectionText, false)
		}
		if hasFields {
			var fields []json.RawMessage
			if json.Unmarshal(b["fields"], &fields) != nil || len(fields) == 0 || len(fields) > maxSectionFields {
				v.fail(ptr+"/fields", "must contain 1 to %d items", maxSectionFields)
			}
			for i, f := range fields {
				v.text(fmt.Sprintf("%s/fields/%d", ptr, i), f, maxFieldText, false)
			}
		}
		if acc, ok := b["accessory"]; ok {
			v.element(ptr+"/accessory", acc)
		}
	case "header":
		v.text(ptr+"/text", b["text"], maxHeaderText, true)
	case "context":
		elems := v.elements(ptr, b["elements"], maxContextElements)
		for i, e := range elems {
			var el map[string]json.RawMessage
			_ = json.Unmarshal(e, &el)
			if t, _ := str(el["type"]); t == "plain_text" || t == "mrkdwn" {
				v.text(fmt.Sprintf("%s/elements/%d", ptr, i), e, maxSectionText, false)
			}
		}
	case "actions":
		for i, e := range v.elements(ptr, b["elements"], maxActionElements) {
			v.element(fmt.Sprintf("%s/elements/%d", ptr, i), e)
		}
	}
}

func (v *blockValidator) elements(ptr string, raw json.RawMessage, limit int) []json.RawMessage {
	var elems []json.RawMessage
	if json.Unmarshal(raw, &elems) != nil || len(elems) == 0 || len(elems) > limit {
		v.fail(ptr+"/elements", "must contain 1 to %d items", limit)
	}
	return elems
}

// element checks an interactive element; only buttons in detail.
func (v *blockValidator) element(ptr string, raw json.RawMessage) {
	var e map[string]json.RawMessage
	if json.Unmarshal(raw, &e) != nil {
		v.fail(ptr, "must be an object")
		return
	}
	if id, ok := str(e["action_id"]); ok {
		switch {
		case utf8.RuneCountInString(id) > maxActionID:
			v.fail(ptr+"/action_id", "must be less than %d characters", maxActionID+1)
		case v.actionIDs[id]:
			v.fail(ptr+"/action_id", "duplicate action_id %q", id)
		}
		v.actionIDs[id] = true
	}
	if t, _ := str(e["type"]); t != "button" {
		return
	}
	v.text(ptr+"/text", e["text"], maxButtonText, true)
	if val, ok := str(e["value"]); ok && utf8.RuneCountInString(val) > maxButtonValue {
		v.fail(ptr+"/value", "must be less than %d characters", maxButtonValue+1)
	}
	if style, ok := str(e["style"]); ok && style != "primary" && style != "danger" {
		v.fail(ptr+"/style", "must be one of primary, danger")
	}
}

// text checks a text object: a known type (plain_text if plainOnly),
// non-empty text of at most limit characters.
func (v *blockValidator) text(ptr string, raw json.RawMessage, limit int, plainOnly bool) {
	var t struct {
		Type string  `json:"type"`
		Text *string `json:"text"`
	}
	if raw == nil || json.Unmarshal(raw, &t) != nil {
		v.fail(ptr, "must be a text object")
		return
	}
	switch {
	case t.Type != "plain_text" && (plainOnly || t.Type != "mrkdwn"):
		v.fail(ptr+"/type", "unsupported type: %q", t.Type)
	case t.Text == nil || *t.Text == "":
		v.fail(ptr+"/text", "must be more than 0 characters")
	case utf8.RuneCountInString(*t.Text) > limit:
		v.fail(ptr+"/text", "must be less than %d characters", limit+1)
	}
}
