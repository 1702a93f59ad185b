package slackapp

import (
	"strings"

	"github.com/slack-go/slack"

	"github.com/rtkbot/rtkbot/internal/commands"
)

// Tags on help entries. Moderator-only and confirmed verbs are marked so a
// reader knows before trying.
const (
	tagModerator   = ":lock: moderators only"
	tagDestructive = ":warning: asks for confirmation"
)

// maxHelpSections bounds how many sections the verb list may take, leaving
// room under the block limit for the rest of the help message.
const maxHelpSections = 40

// maxUsageWidth bounds a usage line or an example as shown.
const maxUsageWidth = 500

// renderHelp draws usage generated from the command registry: every verb,
// or one verb with its examples, led by "Unknown command … did you mean …"
// when that is why help is shown.
func renderHelp(v commands.HelpView) rendered {
	var blocks []slack.Block
	var text string
	if cleanText(v.Unknown, false) != "" {
		unknown := "Unknown command " + codeID(v.Unknown) + "."
		if cleanText(v.Suggestion, false) != "" {
			unknown += " Did you mean " + codeID(v.Suggestion) + "?"
		}
		blocks = append(blocks, mdSection(":grey_question: "+unknown))
		text = unknown + " "
	}

	if v.Verb != nil {
		blocks = append(blocks, mdSection(verbEntry(*v.Verb)))
		if len(v.Verb.Examples) > 0 {
			examples := make([]string, len(v.Verb.Examples))
			for i, ex := range v.Verb.Examples {
				examples[i] = codeSpan(withSlash(ex), maxUsageWidth)
			}
			blocks = append(blocks, mdSection("*Examples*\n"+
				limitedList(examples, "\n", 0, maxSectionText-textWidth("*Examples*\n"), andMoreLines)))
		}
		blocks = append(blocks, contextBlock("`"+SlashCommand+" help` lists every command."))
		text += SlashCommand + " " + escClip(v.Verb.Name, maxNameWidth, false) + ": " +
			escClip(v.Verb.Summary, maxSectionText, false)
		return rendered{ephemeral: true, text: text, blocks: blocks}
	}

	blocks = append(blocks, mdSection("*"+SlashCommand+"* moderates RealtimeKit meetings. Usage: `"+
		SlashCommand+" &lt;command&gt; [meeting-id] [arguments] [flags]`"))
	entries := make([]string, len(v.Verbs))
	for i, vh := range v.Verbs {
		entries[i] = verbEntry(vh)
	}
	for _, s := range packSections(entries, "\n\n", maxHelpSections) {
		blocks = append(blocks, mdSection(s))
	}
	blocks = append(blocks, contextBlock("`"+SlashCommand+" help &lt;command&gt;` shows examples. "+
		"Every command that changes a meeting takes --dry-run."))
	text += SlashCommand + " commands: " + limitedList(verbNames(v.Verbs), ", ", 0, maxFallbackText/2, andMore)
	return rendered{ephemeral: true, text: text, blocks: blocks}
}

// verbEntry is one verb's help: name, tags, usage and summary.
func verbEntry(vh commands.VerbHelp) string {
	var b strings.Builder
	b.WriteString(boldText(escClip(orDefault(vh.Name, "(unnamed)"), maxNameWidth, false)))
	if vh.Moderator {
		b.WriteString("  " + tagModerator)
	}
	if vh.Destructive {
		b.WriteString("  " + tagDestructive)
	}
	if cleanText(vh.Usage, false) != "" {
		b.WriteString("\n" + codeSpan(withSlash(vh.Usage), maxUsageWidth))
	}
	if cleanText(vh.Summary, false) != "" {
		b.WriteString("\n" + escClip(vh.Summary, 1000, false))
	}
	return b.String()
}

// withSlash puts the slash command in front of a usage line or example
// unless it already starts with one.
func withSlash(s string) string {
	s = cleanText(s, false)
	if strings.HasPrefix(s, "/") {
		return s
	}
	return SlashCommand + " " + s
}

// verbNames lists the verb names, escaped, for the notification text.
func verbNames(vs []commands.VerbHelp) []string {
	names := make([]string, len(vs))
	for i, vh := range vs {
		names[i] = escClip(vh.Name, maxNameWidth, false)
	}
	return names
}

// packSections packs entries into as few section texts as fit, joined by
// sep, at most maxSections of them; what does not fit is counted in a last
// "…and N more". Each entry must be narrower than a section.
func packSections(entries []string, sep string, maxSections int) []string {
	var out []string
	cur := ""
	for i, e := range entries {
		e = clipEscaped(e, maxSectionText-textWidth(andMoreLines(len(entries))))
		switch {
		case cur == "":
			cur = e
		case textWidth(cur)+textWidth(sep)+textWidth(e) <= maxSectionText-textWidth(andMoreLines(len(entries))):
			cur += sep + e
		default:
			if len(out) == maxSections-1 {
				return append(out, cur+andMoreLines(len(entries)-i))
			}
			out = append(out, cur)
			cur = e
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}
