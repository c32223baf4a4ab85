// Artillery processor shared by the Parley scenarios (CommonJS: Artillery loads it with require).
// Room set-up, HMAC signing of ingress bodies and the send time in meta.
//
// Environment (all optional):
//   PARLEY_ROOM, PARLEY_API_KEY      use an existing room instead of creating one
//   PARLEY_WEBHOOK_SECRET            HMAC secret of that room (else the create response's
//                                    `webhook_secret`, else GET /rooms/:room/webhook-secret
//                                    with the API key — Parley answers that to owners only)
//   PARLEY_OWNER_TOKEN               an owner identity token (`npm run cli -- mint-owner-token`): the
//                                    room is created with it, so its webhook secret can be read
//   PARLEY_WS_ROOMS                  ws-subscribers: comma-separated rooms to spread viewers over
//   PARLEY_WS_TOKEN                  ws-subscribers: a room token (else guest viewers)

const { createHmac, randomUUID } = require('node:crypto');

/**
 * `before` flow: make sure the scenario has a room, its API key and (if any) webhook secret.
 * An async function: Artillery 2 awaits it (and passes no callback).
 */
async function setupRoom(context) {
  if (process.env.PARLEY_ROOM && process.env.PARLEY_API_KEY) {
    context.vars.room = process.env.PARLEY_ROOM;
    context.vars.apiKey = process.env.PARLEY_API_KEY;
    context.vars.webhookSecret = process.env.PARLEY_WEBHOOK_SECRET || '';
    return;
  }
  const owner = process.env.PARLEY_OWNER_TOKEN;
  const res = await fetch(`${context.vars.target}/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(owner ? { authorization: `Bearer ${owner}` } : {}) },
    body: JSON.stringify({ name: 'artillery ingress room', allowed_providers: ['guest'], max_viewers: 100000 }),
  });
  if (!res.ok) throw new Error(`POST /rooms answered ${res.status}: ${await res.text()}`);
  const body = await res.json();
  context.vars.room = body.room;
  context.vars.apiKey = body.api_key;
  context.vars.webhookSecret = process.env.PARLEY_WEBHOOK_SECRET || body.webhook_secret || (await readWebhookSecret(context));
}

/** GET /rooms/:room/webhook-secret with the API key; '' when the server refuses (owner only). */
async function readWebhookSecret(context) {
  const res = await fetch(`${context.vars.target}/rooms/${context.vars.room}/webhook-secret`, {
    headers: { authorization: `Bearer ${process.env.PARLEY_OWNER_TOKEN || context.vars.apiKey}` },
  });
  if (!res.ok) return '';
  return (await res.json()).webhook_secret ?? '';
}

/** A chat ingress body with a per-request user id and the send time in meta. */
function ingressBody(context) {
  return JSON.stringify({
    type: 'chat',
    payload: { text: 'artillery ingress flood', displayName: 'artillery', userId: `load-${randomUUID()}` },
    meta: { sentAt: Date.now(), vu: context.vars.$uuid },
  });
}

/** beforeRequest: API-key-authenticated ingress. */
function apiKeyIngress(requestParams, context, events, next) {
  requestParams.body = ingressBody(context);
  requestParams.headers = {
    ...requestParams.headers,
    'content-type': 'application/json',
    authorization: `Bearer ${context.vars.apiKey}`,
  };
  return next();
}

/** beforeRequest: HMAC-signed ingress, X-Chat-Signature: sha256=<hex HMAC-SHA256 of raw body>. */
function signedIngress(requestParams, context, events, next) {
  const body = ingressBody(context);
  const secret = context.vars.webhookSecret;
  if (!secret) return next(new Error('no webhook secret: set PARLEY_WEBHOOK_SECRET'));
  const signature = createHmac('sha256', secret).update(body).digest('hex');
  requestParams.body = body;
  requestParams.headers = {
    ...requestParams.headers,
    'content-type': 'application/json',
    'x-chat-signature': `sha256=${signature}`,
  };
  return next();
}

/** ws engine connect.function: pick a room and how to authenticate for this viewer. */
function viewerTarget(wsArgs, context, done) {
  const rooms = (process.env.PARLEY_WS_ROOMS || context.vars.room || 'room-0').split(',');
  const room = rooms[Math.floor(Math.random() * rooms.length)];
  const token = process.env.PARLEY_WS_TOKEN;
  const auth = token ? `token=${encodeURIComponent(token)}` : `guest=1&name=viewer${Math.floor(Math.random() * 1e9)}`;
  wsArgs.target = `${wsArgs.target}/ws?room=${encodeURIComponent(room)}&${auth}`;
  return done();
}

module.exports = { setupRoom, apiKeyIngress, signedIngress, viewerTarget, signBody: (secret, body) => createHmac('sha256', secret).update(body).digest('hex') };
