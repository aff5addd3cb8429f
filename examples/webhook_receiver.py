#!/usr/bin/env python3
"""A webhook receiver for the area SEND inspections API (Python 3.9+, standard library only).

Verifies each delivery's Standard Webhooks signature, ignores a delivery it has already
accepted (deliveries are at least once: deduplicate on `webhook-id`), and appends every new
event to a file as one JSON line.

    WEBHOOK_SECRET=whsec_... python3 examples/webhook_receiver.py --port 9000 --out events.ndjson

Answers 204 to a valid delivery and 401 to anything unsigned, badly signed or older than five
minutes; the API retries anything but a 2xx. `--count N` stops after N new events (for tests).
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

TOLERANCE_SECONDS = 5 * 60


def verify(secret, headers, body):
    """True if `body` was signed with `secret` as the Standard Webhooks specification says."""
    message_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not (message_id and timestamp and signatures):
        return False
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(time.time() - sent_at) > TOLERANCE_SECONDS:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for signature in signatures.split(" "):
        version, _, value = signature.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return True
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--secret", default=os.environ.get("WEBHOOK_SECRET"))
    parser.add_argument("--out", default="events.ndjson")
    parser.add_argument("--count", type=int, default=0, help="stop after this many events")
    options = parser.parse_args()
    if not options.secret:
        sys.exit("give the subscription's secret with --secret or WEBHOOK_SECRET")

    seen = set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            if not verify(options.secret, self.headers, body):
                self.send_response(401)
                self.end_headers()
                return
            message_id = self.headers["webhook-id"]
            if message_id not in seen:
                seen.add(message_id)
                event = json.loads(body)
                with open(options.out, "a", encoding="utf-8") as out:
                    out.write(json.dumps(event) + "\n")
                print(f"{message_id} {event['type']} {event['data'].get('areaCode')}", flush=True)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_):
            pass

    server = HTTPServer(("127.0.0.1", options.port), Handler)
    while not options.count or len(seen) < options.count:
        server.handle_request()


if __name__ == "__main__":
    main()
