// spec/002 "Step 8 — Set Up a Webhook Listener", line 517 and lines 529-537, verbatim (the SDK calls between them need the network).
const crypto = require('crypto');
function verifyAndParseWebhook(rawBody, sig, timestamp, secret) {
const age = Math.floor(Date.now() / 1000) - parseInt(timestamp, 10);
if (age > 300) throw new Error('Stale event');
const expected = 'v1=' + crypto.createHmac('sha256', secret)
.update(`${timestamp}.${rawBody}`, 'utf8').digest('hex');
if (!crypto.timingSafeEqual(Buffer.from(sig), Buffer.from(expected)))
throw new Error('Invalid signature');
return JSON.parse(rawBody);
}
