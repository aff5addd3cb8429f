#!/usr/bin/env python3
"""Keeps a CSV of area SEND inspection outcomes in sync with the API (Python 3.9+, standard
library only): the job a DfE analyst runs on a schedule.

    python3 examples/sync_outcomes.py --csv outcomes.csv
    SEND_API_TOKEN=... python3 examples/sync_outcomes.py --url https://api.example/graphql

The first run pages through every published inspection; each later run asks only for what
changed since the last (the feed's cursor is kept beside the CSV, in `outcomes.csv.cursor`), and
updates those rows in place. The CSV is replaced atomically, so a run that fails leaves the last
good one. Without a token it reads what the public may; with one, what the token's role may.
"""

import argparse
import csv
import json
import os
import sys
import urllib.request

FEED = """
query OutcomesFeed($after: String) {
  inspections(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id updatedAt status framework kind outcome publishedOn
      area { code name region icbs { code odsCode } }
    }
  }
}
"""

COLUMNS = [
    "inspection_id", "local_authority_code", "local_authority_name", "region", "icb_codes",
    "icb_ods_codes", "framework", "kind", "status", "outcome", "published_on", "updated_at",
]


def ask(url, token, after):
    body = json.dumps({"query": FEED, "variables": {"after": after}}).encode()
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.load(response)
    if answer.get("errors"):
        sys.exit(f"the API refused the feed: {answer['errors'][0]['message']}")
    return answer["data"]["inspections"]


def row(node):
    area = node["area"] or {}
    icbs = area.get("icbs") or []
    return {
        "inspection_id": node["id"],
        "local_authority_code": area.get("code", ""),
        "local_authority_name": area.get("name", ""),
        "region": area.get("region") or "",
        "icb_codes": " ".join(icb["code"] for icb in icbs),
        "icb_ods_codes": " ".join(icb["odsCode"] or "" for icb in icbs),
        "framework": node["framework"] or "",
        "kind": node["kind"] or "",
        "status": node["status"] or "",
        "outcome": node["outcome"] or "",
        "published_on": node["publishedOn"] or "",
        "updated_at": node["updatedAt"],
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8080/graphql")
    parser.add_argument("--csv", default="outcomes.csv")
    parser.add_argument("--token", default=os.environ.get("SEND_API_TOKEN"))
    options = parser.parse_args()
    cursor_file = options.csv + ".cursor"

    rows = {}
    if os.path.exists(options.csv):
        with open(options.csv, newline="", encoding="utf-8") as existing:
            rows = {line["inspection_id"]: line for line in csv.DictReader(existing)}
    after = None
    if os.path.exists(cursor_file):
        with open(cursor_file, encoding="utf-8") as saved:
            after = saved.read().strip() or None

    changed = 0
    while True:
        page = ask(options.url, options.token, after)
        for node in page["nodes"]:
            rows[node["id"]] = row(node)
            changed += 1
        if page["pageInfo"]["endCursor"]:
            after = page["pageInfo"]["endCursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break

    partial = options.csv + ".partial"
    with open(partial, "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        for line in sorted(rows.values(), key=lambda r: (r["local_authority_code"], r["inspection_id"])):
            writer.writerow(line)
    os.replace(partial, options.csv)
    if after:
        with open(cursor_file, "w", encoding="utf-8") as saved:
            saved.write(after)
    print(f"{changed} changed, {len(rows)} in {options.csv}")


if __name__ == "__main__":
    main()
