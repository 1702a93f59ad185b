// Package slackapp is the Slack side of rtkbot: the Socket Mode listener that
// acks envelopes and hands commands to the core, the Web API calls the core
// needs (users, user groups, the audit channel), and the Block Kit rendering
// of every reply.
package slackapp

// Block Kit action IDs of the confirmation prompt's buttons. The button value
// is the opaque confirmation ID (commands.ConfirmView.ID).
const (
	ActionConfirm = "rtkbot_confirm"
	ActionCancel  = "rtkbot_cancel"
)

// SlashCommand is the command this app registers in manifest.yml.
const SlashCommand = "/meeting"
