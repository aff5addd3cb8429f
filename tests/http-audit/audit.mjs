// Runs the graphql-http server audits (GraphQL over HTTP spec conformance)
// against a running server.
//
// Usage: node audit.mjs [url]   (default http://127.0.0.1:8095/graphql)
//
// Prints one line per audit: status, id, name and, for non-ok audits, the
// reason plus the response's status, content-type and (truncated) body.
// Exits 1 if any MUST or SHOULD audit is not 'ok', else 0. MAY audits are
// reported but never fail the run.

import { serverAudits } from 'graphql-http';

const url = process.argv[2] || 'http://127.0.0.1:8095/graphql';
const BODY_LIMIT = 300;

async function describeResponse(res) {
  if (!res) return '';
  let body = '';
  try {
    // The audit may already have consumed the body; fall back gracefully.
    const text = await (res.bodyUsed ? Promise.resolve('<body already read>') : res.text());
    body = text.length > BODY_LIMIT ? `${text.slice(0, BODY_LIMIT)}...` : text;
  } catch (err) {
    body = `<unreadable body: ${err?.message ?? err}>`;
  }
  const ct = res.headers?.get?.('content-type') ?? '<none>';
  return ` [HTTP ${res.status}; content-type: ${ct}; body: ${JSON.stringify(body)}]`;
}

const audits = serverAudits({ url, fetchFn: fetch });
let failed = 0;
const counts = { ok: 0, warn: 0, error: 0, notice: 0, fatal: 0 };

console.log(`graphql-http server audits against ${url}`);
for (const audit of audits) {
  let result;
  try {
    result = await audit.fn();
  } catch (err) {
    // Non-assertion errors (e.g. connection refused) are fatal for the audit.
    // Counted as blocking whatever the audit's level: nothing was audited.
    result = {
      id: audit.id,
      name: audit.name,
      status: 'fatal',
      reason: `fatal: ${err?.cause?.message ?? err?.message ?? err}`,
    };
  }
  counts[result.status] = (counts[result.status] ?? 0) + 1;
  const level = result.name.split(' ', 1)[0];
  const blocking =
    result.status === 'fatal' ||
    (result.status !== 'ok' && (level === 'MUST' || level === 'SHOULD'));
  if (blocking) failed++;
  let line = `${result.status.toUpperCase().padEnd(6)} ${result.id} ${result.name}`;
  if (result.status !== 'ok') {
    line += ` -- ${result.reason}${await describeResponse(result.response)}`;
  }
  console.log(line);
}

console.log(
  `\n${audits.length} audits: ${counts.ok} ok, ${counts.error} error (MUST), ` +
    `${counts.warn} warn (SHOULD), ${counts.notice} notice (MAY), ${counts.fatal} fatal`,
);
console.log(`${audits.length - failed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
