// Drives the fake Slack with Slack's own Socket Mode client, so the fake
// is checked against a client we did not write. Run by TestNodeSocketModeClient
// (nodecheck_test.go), which reads the JSON lines this prints on stdout:
//   {"event":"connected"}                      hello received
//   {"event":"slash_commands"|"interactive", "envelope_id", "body", "retry_num"}
//   {"event":"stopped"}                        stdin closed, client disconnected
// The envelope is acked before its line is printed; a slash command's ack
// carries {"text":"node saw <text>"} so the Go side can check the payload.
//
// Environment: SLACKFAKE_API_URL (the fake's /api/ URL), SLACKFAKE_APP_TOKEN.
import { SocketModeClient, LogLevel } from '@slack/socket-mode';

const apiURL = process.env.SLACKFAKE_API_URL;
const appToken = process.env.SLACKFAKE_APP_TOKEN;
if (!apiURL || !appToken) {
  console.error('SLACKFAKE_API_URL and SLACKFAKE_APP_TOKEN must be set');
  process.exit(2);
}

const emit = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);

// Logs go to stderr: stdout carries only the protocol above.
const logger = {
  level: LogLevel.INFO,
  debug: (...m) => logger.level === LogLevel.DEBUG && console.error('[debug]', ...m),
  info: (...m) => console.error('[info]', ...m),
  warn: (...m) => console.error('[warn]', ...m),
  error: (...m) => console.error('[error]', ...m),
  setLevel: (l) => { logger.level = l; },
  getLevel: () => logger.level,
  setName: () => {},
};

const client = new SocketModeClient({
  appToken,
  logger,
  // Short timeouts keep the check quick: the client pings every ~333 ms
  // and reconnects 1 s after a disconnect.
  clientPingTimeout: 1000,
  serverPingTimeout: 5000,
  clientOptions: { slackApiUrl: apiURL },
});

client.on('connected', () => emit({ event: 'connected' }));

client.on('slash_commands', async ({ ack, envelope_id, body }) => {
  await ack({ text: `node saw ${body.text}` });
  emit({ event: 'slash_commands', envelope_id, body });
});

client.on('interactive', async ({ ack, envelope_id, body }) => {
  await ack();
  emit({ event: 'interactive', envelope_id, body });
});

process.stdin.on('end', async () => {
  await client.disconnect();
  emit({ event: 'stopped' });
  process.exit(0);
});
process.stdin.resume();

try {
  await client.start();
} catch (err) {
  console.error('start failed:', err);
  process.exit(1);
}
