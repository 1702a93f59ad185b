// A /meeting bot written the way a Bolt for JS user would write it: the
// comparison peer for cmd/loadgen (see docs/benchmarks.md). It implements
// `status` and `mute-all` against the RealtimeKit REST API: ack() at once,
// call RealtimeKit with fetch, answer with respond().
//
// Configured by the same environment variables as rtkbot: SLACK_APP_TOKEN,
// SLACK_BOT_TOKEN, SLACK_API_URL, CLOUDFLARE_API_TOKEN,
// CLOUDFLARE_ACCOUNT_ID, REALTIMEKIT_APP_ID, CLOUDFLARE_BASE_URL,
// BOT_MODERATORS.
'use strict';

const { App, LogLevel } = require('@slack/bolt');

function env(name, fallback) {
  const v = process.env[name] ?? fallback;
  if (v === undefined || v === '') {
    console.error(`${name} is required`);
    process.exit(2);
  }
  return v;
}

const slackApiUrl = env('SLACK_API_URL', 'https://slack.com/api/');
const cfToken = env('CLOUDFLARE_API_TOKEN');
const baseUrl = env('CLOUDFLARE_BASE_URL', 'https://api.cloudflare.com/client/v4/').replace(/\/?$/, '/');
const kitUrl = `${baseUrl}accounts/${env('CLOUDFLARE_ACCOUNT_ID')}/realtime/kit/${env('REALTIMEKIT_APP_ID')}/`;
const moderators = new Set((process.env.BOT_MODERATORS || '').split(',').filter(Boolean));

const app = new App({
  token: env('SLACK_BOT_TOKEN'),
  appToken: env('SLACK_APP_TOKEN'),
  socketMode: true,
  // App hands clientOptions to its SocketModeReceiver too (Bolt 5.1.0
  // App.js: installerOptions.clientOptions), so apps.connections.open and
  // the Web API both go to slackApiUrl.
  clientOptions: { slackApiUrl },
  logLevel: LogLevel.WARN,
});

// Escape text for mrkdwn, as Slack asks.
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

async function kit(method, path, body) {
  const res = await fetch(kitUrl + path, {
    method,
    headers: { Authorization: `Bearer ${cfToken}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error(json?.error?.message || json?.errors?.[0]?.message || `HTTP ${res.status}`);
    err.status = res.status;
    err.retryAfter = res.headers.get('retry-after');
    throw err;
  }
  return json.data ?? json.result;
}

function explain(err) {
  if (err.status === 429) return `RealtimeKit is rate limiting us, try again in ${err.retryAfter || 'a few'} s.`;
  if (err.status === 404) return esc(err.message);
  return 'Something went wrong talking to RealtimeKit.';
}

async function status(meetingId, respond) {
  const s = await kit('GET', `meetings/${encodeURIComponent(meetingId)}/active-session`);
  const people = await kit('GET', `sessions/${encodeURIComponent(s.id)}/participants?per_page=100`);
  const live = (people.participants || people || []).filter((p) => !p.left_at);
  const names = live.slice(0, 20).map((p) => esc(p.display_name || p.name || p.id)).join(', ');
  await respond({
    response_type: 'in_channel',
    text: `*${esc(s.meeting_display_name || meetingId)}* is LIVE: ${s.live_participants} live (peak ${s.max_concurrent_participants}). In: ${names}${live.length > 20 ? ` and ${live.length - 20} more` : ''}`,
  });
}

async function muteAll(meetingId, userId, respond) {
  if (!moderators.has(userId)) {
    await respond({ response_type: 'ephemeral', text: 'Only moderators can do that.' });
    return;
  }
  const r = await kit('POST', `meetings/${encodeURIComponent(meetingId)}/active-session/mute-all`, { allow_unmute: false });
  await respond({
    response_type: 'in_channel',
    text: `<@${userId}> muted ${r.muted_participants_count ?? 'all'} participants.`,
  });
}

app.command('/meeting', async ({ command, ack, respond }) => {
  await ack();
  const [verb, meetingId] = command.text.trim().split(/\s+/);
  try {
    if (!meetingId) {
      await respond({ response_type: 'ephemeral', text: 'Usage: /meeting status|mute-all <meeting-id>' });
    } else if (verb === 'status') {
      await status(meetingId, respond);
    } else if (verb === 'mute-all') {
      await muteAll(meetingId, command.user_id, respond);
    } else {
      await respond({ response_type: 'ephemeral', text: `Unknown verb ${esc(verb)}.` });
    }
  } catch (err) {
    await respond({ response_type: 'ephemeral', text: explain(err) });
  }
});

(async () => {
  await app.start();
})();

// Stop cleanly on SIGTERM, as loadgen (and an orchestrator) asks.
process.on('SIGTERM', async () => {
  await app.stop().catch(() => {});
  process.exit(0);
});
