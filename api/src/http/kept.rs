//! Answers kept in memory, so that a query asked again by the same audience is answered
//! without running it: the dashboards that poll, the portals that render an area on every page
//! view, the systems that sync.
//!
//! An answer is kept under the request exactly as sent (the POST body, or the GET parameters,
//! byte for byte), the policy's [`Audience`] of the viewer, and the media type asked for. It is
//! served while the data version it was read at holds (every write moves it on, see
//! [`DataVersion`]) and until the clock could change it with no write: the next embargo to lift
//! (`publishAt`) or the next day (UTC), whichever comes first. Only answers without errors to a
//! query its audience may share are kept.
//!
//! What is kept is the `data` alone: the cost extension may carry the caller's own rate-limit
//! bucket, so it is written for each answer. When it carries none (rate limiting off), the whole
//! body is the same for every answer, and it is compressed once per encoding.

use std::{
    io::Write as _,
    sync::{Arc, Mutex, OnceLock},
};

use axum::{
    body::Bytes,
    http::{HeaderMap, HeaderValue, header},
};
use chrono::{DateTime, NaiveDate, NaiveTime, TimeDelta, Utc};
use sea_orm::DatabaseConnection;

use crate::{
    data_version::DataVersion,
    policy::{self, Audience, Viewer},
    service,
};

/// Roughly how many answers a cache of the default size holds, for its index.
const EXPECTED_ANSWERS: usize = 1_024;
const SHARDS: usize = 2;
/// The brotli quality answers are compressed at once: well compressed, and quick enough (about a
/// millisecond for the dashboard) to make on a request's thread.
const BROTLI_QUALITY: u32 = 5;
const BROTLI_WINDOW: u32 = 22;

pub struct ResponseCache {
    answers: Option<quick_cache::sync::Cache<Key, Arc<Kept>, ByBytes>>,
    data_version: Arc<DataVersion>,
    db: DatabaseConnection,
    /// The next embargo lift as last read, and the data version it was read at.
    horizon: Mutex<Option<Horizon>>,
}

/// What an answer was asked with: anything else that could change it is in its stamp.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    audience: Audience,
    graphql_response: bool,
    get: bool,
    request: Bytes,
}

/// The data version and the instant before which an answer read now stays right.
#[derive(Debug, Clone, Copy)]
pub struct Stamp {
    version: u64,
    until: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy)]
struct Horizon {
    version: u64,
    next_lift: Option<DateTime<Utc>>,
}

#[derive(Debug)]
pub struct Kept {
    stamp: Stamp,
    pub operation: Option<String>,
    /// The query's cost, which a served answer still charges to the caller's bucket.
    pub cost: Option<usize>,
    data: Bytes,
    fixed: OnceLock<Fixed>,
    /// The data's validator, for public GET answers.
    etag: OnceLock<HeaderValue>,
}

/// The body of an answer whose extensions are the same every time, in each encoding asked for.
#[derive(Debug)]
struct Fixed {
    identity: Bytes,
    gzip: OnceLock<Option<Bytes>>,
    brotli: OnceLock<Option<Bytes>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl Encoding {
    /// The best encoding `Accept-Encoding` allows: brotli, then gzip, then none.
    pub fn accepted(headers: &HeaderMap) -> Self {
        let accepted = |wanted: &str| {
            headers
                .get_all(header::ACCEPT_ENCODING)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(','))
                .any(|item| {
                    let mut parts = item.split(';').map(str::trim);
                    let coding = parts.next().unwrap_or_default();
                    let refused = parts.any(|parameter| {
                        parameter
                            .strip_prefix("q=")
                            .and_then(|q| q.parse::<f32>().ok())
                            .is_some_and(|q| q <= 0.0)
                    });
                    coding.eq_ignore_ascii_case(wanted) && !refused
                })
        };
        if accepted("br") {
            Encoding::Brotli
        } else if accepted("gzip") {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }

    pub fn header(self) -> Option<HeaderValue> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some(HeaderValue::from_static("gzip")),
            Encoding::Brotli => Some(HeaderValue::from_static("br")),
        }
    }
}

#[derive(Clone)]
struct ByBytes;

impl quick_cache::Weighter<Key, Arc<Kept>> for ByBytes {
    fn weight(&self, key: &Key, kept: &Arc<Kept>) -> u64 {
        // The data, and room for the whole body made from it when it is the same for everyone
        // (its encodings are a fraction of that).
        let bytes = key.request.len() + 2 * kept.data.len() + KEPT_OVERHEAD;
        u64::try_from(bytes).unwrap_or(u64::MAX)
    }
}

/// What an answer costs beyond its bytes: the entry, its key's audience, the index.
const KEPT_OVERHEAD: usize = 256;

impl ResponseCache {
    /// A cache of at most `capacity_bytes` (none at all when 0) over the data of `db`.
    pub fn new(
        db: DatabaseConnection,
        data_version: Arc<DataVersion>,
        capacity_bytes: u64,
    ) -> Self {
        // Few shards: an answer larger than a shard's share of the capacity is never kept, and
        // the default (four per core) would refuse a large dashboard on a many-core host.
        let options = quick_cache::OptionsBuilder::new()
            .estimated_items_capacity(EXPECTED_ANSWERS)
            .weight_capacity(capacity_bytes)
            .shards(SHARDS)
            .build();
        let answers = match options {
            Ok(options) if capacity_bytes > 0 => Some(quick_cache::sync::Cache::with_options(
                options,
                ByBytes,
                quick_cache::DefaultHashBuilder::default(),
                quick_cache::sync::DefaultLifecycle::default(),
            )),
            _ => None,
        };
        Self {
            answers,
            data_version,
            db,
            horizon: Mutex::new(None),
        }
    }

    /// The key of a request, if answers are kept at all.
    pub fn key(
        &self,
        viewer: &Viewer,
        graphql_response: bool,
        get: bool,
        request: Bytes,
    ) -> Option<Key> {
        self.answers.as_ref().map(|_| Key {
            audience: policy::audience(viewer),
            graphql_response,
            get,
            request,
        })
    }

    /// The answer kept for `key`, if it is still right now.
    pub fn get(&self, key: &Key) -> Option<Arc<Kept>> {
        let kept = self.answers.as_ref()?.get(key)?;
        let current = self.data_version.current()?;
        (kept.stamp.version == current && Utc::now() < kept.stamp.until).then_some(kept)
    }

    /// What an answer read from now on may be kept with, taken before it is read: a write or a
    /// lift that happens while it is read then ends it rather than being missed.
    pub async fn stamp(&self, today: NaiveDate) -> Option<Stamp> {
        let version = self.data_version.current()?;
        let now = Utc::now();
        let next_day = (today + TimeDelta::days(1))
            .and_time(NaiveTime::MIN)
            .and_utc();
        let known = self
            .horizon
            .lock()
            .ok()
            .and_then(|horizon| *horizon)
            .filter(|horizon| {
                horizon.version == version && horizon.next_lift.is_none_or(|lift| lift > now)
            });
        let next_lift = match known {
            Some(horizon) => horizon.next_lift,
            None => match service::inspection::next_embargo_lift(&self.db, now).await {
                Ok(next_lift) => {
                    if let Ok(mut horizon) = self.horizon.lock()
                        && horizon.is_none_or(|known| known.version <= version)
                    {
                        *horizon = Some(Horizon { version, next_lift });
                    }
                    next_lift
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot read the next embargo lift; not keeping answers");
                    return None;
                }
            },
        };
        Some(Stamp {
            version,
            until: next_lift.map_or(next_day, |lift| lift.min(next_day)),
        })
    }

    /// Keeps the `data` of an answer read under `stamp`, unless the data changed meanwhile.
    /// `data` should hold no spare capacity: it is kept as it is.
    pub fn keep(
        &self,
        key: Key,
        stamp: Stamp,
        operation: Option<String>,
        cost: Option<usize>,
        data: Bytes,
    ) -> Arc<Kept> {
        let kept = Arc::new(Kept {
            stamp,
            operation,
            cost,
            data,
            fixed: OnceLock::new(),
            etag: OnceLock::new(),
        });
        if let Some(answers) = &self.answers
            && self.data_version.current() == Some(stamp.version)
        {
            // The request may be a slice of the connection's read buffer: keep its own bytes,
            // so that the weight is what the entry holds.
            let key = Key {
                request: Bytes::copy_from_slice(&key.request),
                ..key
            };
            answers.insert(key, kept.clone());
        }
        kept
    }

    /// Ends every kept answer: for data changed other than through the API.
    pub fn forget_all(&self) {
        self.data_version.advance();
    }
}

impl Kept {
    /// The validator of the answer's data.
    pub fn etag(&self) -> &HeaderValue {
        self.etag.get_or_init(|| etag_of(&self.data))
    }

    /// The answer's body with its extensions: `{"data":…,"extensions":…}`, as the schema's
    /// own serializer writes it. `fixed` says the extensions are the same for every caller, so
    /// the body and its encodings are made once.
    pub fn body(
        &self,
        extensions: Option<&serde_json::Value>,
        fixed: bool,
        encoding: Encoding,
    ) -> (Bytes, Encoding) {
        if !fixed {
            return (self.assemble(extensions), Encoding::Identity);
        }
        let body = self.fixed.get_or_init(|| Fixed {
            identity: self.assemble(extensions),
            gzip: OnceLock::new(),
            brotli: OnceLock::new(),
        });
        let encoded = match encoding {
            Encoding::Identity => None,
            Encoding::Gzip => body.gzip.get_or_init(|| gzip(&body.identity)).clone(),
            Encoding::Brotli => body.brotli.get_or_init(|| brotli(&body.identity)).clone(),
        };
        match encoded {
            Some(bytes) => (bytes, encoding),
            None => (body.identity.clone(), Encoding::Identity),
        }
    }

    fn assemble(&self, extensions: Option<&serde_json::Value>) -> Bytes {
        let extensions = extensions.map(serde_json::Value::to_string);
        let length = self.data.len() + extensions.as_ref().map_or(0, String::len) + 32;
        let mut body = Vec::with_capacity(length);
        body.extend_from_slice(br#"{"data":"#);
        body.extend_from_slice(&self.data);
        if let Some(extensions) = extensions {
            body.extend_from_slice(br#","extensions":"#);
            body.extend_from_slice(extensions.as_bytes());
        }
        body.push(b'}');
        body.into()
    }
}

/// Compressed bodies are made in memory, where writing fails only if memory does: a body that
/// cannot be compressed is sent as it is.
fn gzip(body: &[u8]) -> Option<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(body).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

fn brotli(body: &[u8]) -> Option<Bytes> {
    let mut compressed = Vec::new();
    {
        let mut encoder =
            brotli::CompressorWriter::new(&mut compressed, 4096, BROTLI_QUALITY, BROTLI_WINDOW);
        encoder.write_all(body).ok()?;
    }
    Some(compressed.into())
}

/// A weak validator of `bytes`: the same bytes, the same tag. Weak, because the answer around
/// the data (its cost extension, its encoding) may differ while the data is the same.
pub fn etag_of(bytes: &[u8]) -> HeaderValue {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(bytes);
    let hex: String = digest[..16]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    HeaderValue::try_from(format!("W/\"{hex}\"")).unwrap_or(HeaderValue::from_static("W/\"\""))
}

/// Whether an `If-None-Match` value names `etag` (weak comparison: `W/` is ignored), or is `*`.
pub fn none_match(if_none_match: &HeaderValue, etag: &HeaderValue) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let (Ok(held), Ok(etag)) = (if_none_match.to_str(), etag.to_str()) else {
        return false;
    };
    let etag = opaque(etag);
    held.split(',')
        .any(|tag| tag.trim() == "*" || opaque(tag) == etag)
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use super::*;

    fn accept(value: &'static str) -> Encoding {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_static(value));
        Encoding::accepted(&headers)
    }

    #[test]
    fn a_validator_is_matched_weakly_in_a_list_or_by_a_star() {
        let tag = etag_of(b"{\"area\":null}");
        assert_eq!(tag, etag_of(b"{\"area\":null}"));
        assert_ne!(tag, etag_of(b"{\"area\":{}}"));
        let strong = tag.to_str().unwrap().trim_start_matches("W/").to_owned();
        for held in [
            tag.to_str().unwrap().to_owned(),
            strong,
            format!("W/\"other\", {}", tag.to_str().unwrap()),
            "*".to_owned(),
        ] {
            assert!(
                none_match(&HeaderValue::try_from(held.as_str()).unwrap(), &tag),
                "{held}"
            );
        }
        assert!(!none_match(&HeaderValue::from_static("W/\"other\""), &tag));
    }

    #[test]
    fn the_best_accepted_encoding_is_chosen() {
        assert_eq!(accept("gzip, deflate, br"), Encoding::Brotli);
        assert_eq!(accept("gzip"), Encoding::Gzip);
        assert_eq!(accept("br;q=0, gzip;q=0.5"), Encoding::Gzip);
        assert_eq!(accept("GZIP"), Encoding::Gzip);
        assert_eq!(accept("deflate"), Encoding::Identity);
        assert_eq!(Encoding::accepted(&HeaderMap::new()), Encoding::Identity);
    }

    #[test]
    fn a_kept_body_is_the_data_with_its_extensions_in_every_encoding() {
        let kept = Kept {
            stamp: Stamp {
                version: 0,
                until: Utc::now(),
            },
            operation: None,
            cost: Some(3),
            data: Bytes::from_static(br#"{"a":1}"#),
            fixed: OnceLock::new(),
            etag: OnceLock::new(),
        };
        let extensions = serde_json::json!({ "cost": { "requestedQueryCost": 3 } });
        let expected = br#"{"data":{"a":1},"extensions":{"cost":{"requestedQueryCost":3}}}"#;
        let (body, encoding) = kept.body(Some(&extensions), false, Encoding::Gzip);
        assert_eq!((&body[..], encoding), (&expected[..], Encoding::Identity));

        let (body, _) = kept.body(Some(&extensions), true, Encoding::Identity);
        assert_eq!(&body[..], &expected[..]);
        let (gzipped, encoding) = kept.body(None, true, Encoding::Gzip);
        assert_eq!(encoding, Encoding::Gzip);
        let mut unzipped = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&gzipped[..]),
            &mut unzipped,
        )
        .unwrap();
        assert_eq!(unzipped, expected);
        let (compressed, encoding) = kept.body(None, true, Encoding::Brotli);
        assert_eq!(encoding, Encoding::Brotli);
        let mut decompressed = Vec::new();
        brotli::Decompressor::new(&compressed[..], 4096)
            .read_to_end(&mut decompressed)
            .unwrap();
        assert_eq!(decompressed, expected);

        let without = Kept {
            fixed: OnceLock::new(),
            ..kept
        };
        assert_eq!(
            &without.body(None, false, Encoding::Identity).0[..],
            br#"{"data":{"a":1}}"#
        );
    }
}
