// Package commands is the core of rtkbot: the /meeting command language, the
// registry of verbs, authorization, confirmations and execution against
// RealtimeKit. It knows nothing of Slack's wire formats or of HTTP: the Slack
// adapter (internal/slackapp) turns envelopes into Requests and Clicks, and
// renders the Replies returned here as Block Kit.
//
// The command language accepts one Slack convention: slash-command text as
// Slack sends it with should_escape on. In it, <…> is markup: a user
// mention <@U…> or <@U…|name> (the argument keeps the user's ID), a
// channel <#C…|name> (read as #name), a special mention <!here> (@here), a
// user group <!subteam^S…|@team> (its label), a link <https://…|label> or
// <https://…> (the label, else the URL); and & < > the user typed arrive
// as &amp; &lt; &gt;. parse.go keeps each piece of markup within one word;
// slackmarkup.go decodes words to what the user typed. Nothing else in the
// package reads Slack's formats.
//
// Files: ports.go holds every interface the core needs (Realtime, Directory,
// Auditor, ConfirmationStore, Links, AuditLog, Refusals, Deliveries);
// types.go the values that cross them (Request, Click, Reply and its views);
// service.go the Service and its Handle; registry.go the table of verbs; one
// file per verb or flow (kick.go, mute.go, click.go, …).
package commands
