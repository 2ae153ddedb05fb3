# spec/002 "Python — Verify a webhook signature", lines 625-646. The text extraction dropped Python's
# indentation; it is restored here and nothing else is changed.
import hashlib, hmac, time
from flask import Flask, request, abort
app = Flask(__name__)
WEBHOOK_SECRET = "your_webhook_signing_secret"
TOLERANCE = 300 # 5 minutes
@app.post("/webhooks/salesbooth")
def handle_webhook():
    sig = request.headers.get("X-Salesbooth-Signature", "")
    timestamp = request.headers.get("X-Salesbooth-Timestamp", "0")
    body = request.get_data() # raw bytes — do NOT parse before verifying
    # Replay protection: reject events older than 5 minutes
    if abs(time.time() - int(timestamp)) > TOLERANCE:
        abort(400, "Stale webhook")
    # HMAC-SHA256: sign timestamp.body
    payload = f"{timestamp}.".encode() + body
    expected = 'v1=' + hmac.new(WEBHOOK_SECRET.encode(), payload, hashlib.sha256).hexdigest()
    # Constant-time comparison
    if not hmac.compare_digest(sig, expected):
        abort(400, "Invalid signature")
    event = request.get_json()
    print(f"Event: {event['event']} id={event['id']}")
    return "", 200
