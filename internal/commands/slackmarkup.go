package commands

// This file is the core's one boundary with Slack's text conventions: the
// markup Slack puts into slash-command text (<@U…|name>, <#C…|name>,
// <!here>, <!subteam^S…|@team>, <https://…|label>) and the entities it
// escapes (&lt; &gt; &amp;). parse.go keeps such markup in one word; the
// functions here turn each word into an argument, decoded to what the user
// typed, keeping a mentioned user's ID. Nothing else in the package reads
// Slack's formats.

import "strings"

// toArg turns a word into an argument, recognising a whole-word user mention
// and undoing Slack's escaping everywhere else.
func toArg(w word) arg {
	if id, label, ok := userMention(w.text); ok {
		if label == "" {
			label = id
		}
		return arg{text: "@" + unescapeEntities(label), quoted: w.quoted, userID: id}
	}
	return arg{text: unslack(w.text), quoted: w.quoted}
}

// userMention parses <@U123> and <@U123|label>. Slack user IDs start with U
// (or W on Enterprise Grid) followed by upper-case letters and digits.
func userMention(s string) (id, label string, ok bool) {
	if !strings.HasPrefix(s, "<@") || !strings.HasSuffix(s, ">") || len(s) < 4 {
		return "", "", false
	}
	body := s[2 : len(s)-1]
	id, label, _ = strings.Cut(body, "|")
	if !isSlackUserID(id) {
		return "", "", false
	}
	return id, label, true
}

// isSlackUserID reports whether s looks like a Slack user ID.
func isSlackUserID(s string) bool {
	if len(s) < 3 || (s[0] != 'U' && s[0] != 'W') {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// unslack turns Slack markup back into roughly what the user typed: <@U1|bob>
// becomes @bob, <#C1|general> #general, <!here> @here, <https://x|label> label
// and <https://x> the URL; then &lt; &gt; &amp; are decoded.
func unslack(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	var b strings.Builder
	for {
		start := strings.IndexByte(s, '<')
		if start < 0 {
			break
		}
		end := strings.IndexByte(s[start:], '>')
		if end < 0 {
			break
		}
		b.WriteString(s[:start])
		b.WriteString(markupText(s[start+1 : start+end]))
		s = s[start+end+1:]
	}
	b.WriteString(s)
	return unescapeEntities(b.String())
}

// markupText is what one piece of Slack markup (without its <>) displays as.
func markupText(m string) string {
	target, label, hasLabel := strings.Cut(m, "|")
	switch {
	case strings.HasPrefix(target, "@"), strings.HasPrefix(target, "#"):
		if hasLabel && label != "" {
			return target[:1] + strings.TrimPrefix(label, target[:1])
		}
		return target
	case strings.HasPrefix(target, "!"):
		if hasLabel && label != "" {
			return label // <!subteam^S1|@team>, <!date^…|fallback>
		}
		return "@" + target[1:] // <!here>
	default:
		if hasLabel && label != "" {
			return label
		}
		return target
	}
}

var entityReplacer = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// unescapeEntities decodes the three entities Slack escapes in command text.
// One pass, so "&amp;lt;" (a typed "&lt;") becomes "&lt;", not "<".
func unescapeEntities(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return entityReplacer.Replace(s)
}
