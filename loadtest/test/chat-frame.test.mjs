import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { ROOM_ID_LENGTH, chatFrameText, ingressBody, peerRoomName } from '../lib/chat-frame.mjs';
import { startTarget } from '../lib/targets.mjs';

/** The values that differ from message to message, replaced by fixed ones of the same width. */
const withFixedValues = (text) =>
  text
    .replace(/"id":"[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"/, '"id":"<uuid>"')
    .replace(/"ts":\d{13},/, '"ts":<13 digits>,')
    .replace(/"sentAt":\d{13},/, '"sentAt":<13 digits>,')
    .replaceAll(/"seq":\d+/g, '"seq":<n>');

test('peer room names are as long as a Parley room id', () => {
  assert.equal(peerRoomName(0), 'room-0000000');
  assert.equal(peerRoomName(99).length, ROOM_ID_LENGTH);
  assert.equal(peerRoomName(7, 'r-'), 'r-0000000007');
});

test('the peers publish the frame Parley sends for the publisher\'s message, byte for byte but for ids, times and sequences', { timeout: 180_000 }, async () => {
  const parley = await startTarget('parley');
  try {
    const { roomNames, apiKeys } = await parley.setupRooms(1);
    const room = roomNames[0];
    assert.equal(room.length, ROOM_ID_LENGTH);
    const ws = new WebSocket(`${parley.wsUrl}/ws?room=${room}&guest=1&name=viewer`);
    const chat = new Promise((resolve, reject) => {
      ws.on('message', (data) => String(data).startsWith('{"t":"msg"') && resolve(String(data)));
      ws.on('error', reject);
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const sentAt = Date.now();
    const res = await fetch(`${parley.httpUrl}/rooms/${room}/ingress`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKeys[room]}`, 'content-type': 'application/json' },
      body: ingressBody(1, sentAt),
    });
    assert.equal(res.status, 202);
    const sent = await chat;
    ws.close();
    const peer = chatFrameText(room, JSON.parse(sent).seq, sentAt);
    assert.equal(withFixedValues(peer), withFixedValues(sent));
    assert.equal(Buffer.byteLength(peer), Buffer.byteLength(sent));
  } finally {
    await parley.stop();
  }
});
