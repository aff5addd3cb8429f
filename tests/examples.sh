#!/usr/bin/env bash
# Runs the partners' examples against a running server, as a partner would: the outcomes sync
# (a full run, then an incremental one that finds nothing new), and the webhook receiver taking
# a real, signed delivery. Called by .ci/run after the debug build; needs python3 and curl.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
port=18096
hook_port=18097
export JWT_SECRET="examples-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export JWT_ISSUER=https://examples.local JWT_AUDIENCE=send-api
DATABASE_URL="sqlite://${work}/examples.sqlite?mode=rwc" LISTEN_ADDR="127.0.0.1:${port}" \
  WEBHOOKS_ALLOW_HTTP_LOOPBACK=true WEBHOOK_RETRY_BASE_MS=200 RUST_LOG=warn \
  target/debug/api serve --demo &
server=$!
receiver=
cleanup() {
  kill "$server" ${receiver:+"$receiver"} 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:${port}/health/ready" >/dev/null 2>&1 && break
  sleep 0.5
done
url="http://127.0.0.1:${port}/graphql"

echo "outcomes sync: a first run, then an incremental one"
python3 examples/sync_outcomes.py --url "$url" --csv "${work}/outcomes.csv"
rows=$(($(wc -l <"${work}/outcomes.csv") - 1))
[ "$rows" -gt 0 ] || { echo "the CSV holds no outcome" >&2; exit 1; }
again=$(python3 examples/sync_outcomes.py --url "$url" --csv "${work}/outcomes.csv")
echo "$again"
[[ "$again" == "0 changed, ${rows} in "* ]] || { echo "the second run was not incremental" >&2; exit 1; }

echo "webhook receiver: a signed delivery of a notified inspection"
ofsted=$(target/debug/api token --role ofsted --scope "read write")
gql() { # gql TOKEN QUERY VARIABLES_JSON -> the response's data, or exit on any error
  local body
  body=$(python3 -c 'import json, sys; print(json.dumps({"query": sys.argv[1], "variables": json.loads(sys.argv[2])}))' "$2" "$3")
  curl -fsS "$url" -H "authorization: Bearer $1" -H 'content-type: application/json' -d "$body" |
    python3 -c 'import json, sys; answer = json.load(sys.stdin); errors = answer.get("errors") or [e for field in (answer.get("data") or {}).values() for e in (field or {}).get("userErrors", [])]; sys.exit(f"refused: {errors}") if errors else print(json.dumps(answer["data"]))'
}
field() { python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }
secret=$(gql "$ofsted" 'mutation($input: CreateWebhookSubscriptionInput!) { createWebhookSubscription(input: $input) { webhookSubscription { secret } userErrors { message } } }' \
  "{\"input\": {\"url\": \"http://127.0.0.1:${hook_port}/hook\", \"eventTypes\": [\"INSPECTION_NOTIFIED\"]}}" |
  field '["createWebhookSubscription"]["webhookSubscription"]["secret"]')
python3 examples/webhook_receiver.py --port "$hook_port" --secret "$secret" --out "${work}/events.ndjson" --count 1 &
receiver=$!
id=$(gql "$ofsted" 'mutation($input: ScheduleInspectionInput!) { scheduleInspection(input: $input) { inspection { id } userErrors { message } } }' \
  "{\"input\": {\"areaCode\": \"E06000052\", \"framework\": \"FRAMEWORK_2023\", \"kind\": \"FULL\", \"plannedStartOn\": \"$(date -u +%F)\"}}" |
  field '["scheduleInspection"]["inspection"]["id"]')
gql "$ofsted" 'mutation($input: NotifyAreaInput!) { notifyArea(input: $input) { inspection { status } userErrors { message } } }' \
  "{\"input\": {\"id\": \"${id}\", \"revision\": 1, \"notifiedOn\": \"$(date -u +%F)\"}}" >/dev/null
timeout 30 tail --pid="$receiver" -f /dev/null
receiver=
grep -q '"INSPECTION_NOTIFIED"' "${work}/events.ndjson"
echo "examples passed"
