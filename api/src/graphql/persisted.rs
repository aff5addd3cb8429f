//! Persisted queries: a client may send the SHA-256 of a document instead of the document
//! (automatic persisted queries, as Apollo's clients do), and a deployment may run only the
//! documents of a manifest it was given (an allow-list, for locked-down production clients).
//!
//! The request names the document in `extensions.persistedQuery.sha256Hash`. Without a manifest,
//! a hash the server has not seen is `PERSISTED_QUERY_NOT_FOUND`, and the client sends the
//! document with its hash once to register it (in memory, per server, 8 MiB at most). With one, only
//! the manifest's documents run, by hash or in full, and anything else is
//! `OPERATION_NOT_ALLOWED`.

use std::{collections::HashMap, path::Path, sync::Arc};

use async_graphql::{
    Request, ServerError, ServerResult, Value,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest},
};
use sha2::{Digest as _, Sha256};

use crate::error::Code;

/// How many bytes of documents clients may register with one server; the least recently used
/// make room for new ones.
const REGISTERED_BYTES: u64 = 8 * 1024 * 1024;
/// How many documents that is expected to hold, for the cache's sizing.
const REGISTERED_EXPECTED: usize = 4_000;

/// A registered document weighs its bytes and its hash.
#[derive(Clone)]
struct ByLength;

impl quick_cache::Weighter<String, Arc<str>> for ByLength {
    fn weight(&self, hash: &String, document: &Arc<str>) -> u64 {
        u64::try_from(hash.len() + document.len()).unwrap_or(u64::MAX)
    }
}

/// The documents a server knows by hash.
pub struct PersistedQueries {
    registered: quick_cache::sync::Cache<String, Arc<str>, ByLength>,
    /// The manifest's documents, when only they may run.
    allowed: Option<HashMap<String, Arc<str>>>,
}

/// Why a manifest could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read the persisted query manifest {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("the persisted query manifest {path} is not an Apollo manifest: {source}")]
    Format {
        path: String,
        source: serde_json::Error,
    },
    #[error(
        "in the persisted query manifest, operation {name:?} has id {id}, not its body's SHA-256"
    )]
    Hash { name: String, id: String },
}

/// An Apollo persisted query manifest (`format: apollo-persisted-query-manifest`).
#[derive(serde::Deserialize)]
struct Manifest {
    operations: Vec<ManifestOperation>,
}

#[derive(serde::Deserialize)]
struct ManifestOperation {
    id: String,
    #[serde(default)]
    name: String,
    body: String,
}

fn registry(capacity_bytes: u64) -> quick_cache::sync::Cache<String, Arc<str>, ByLength> {
    quick_cache::sync::Cache::with_weighter(REGISTERED_EXPECTED, capacity_bytes, ByLength)
}

/// The hex SHA-256 of a document, as clients compute it.
pub fn hash(document: &str) -> String {
    Sha256::digest(document.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

impl PersistedQueries {
    /// Registration by clients, and no allow-list.
    pub fn automatic() -> Self {
        Self {
            registered: registry(REGISTERED_BYTES),
            allowed: None,
        }
    }

    /// Only the operations of the manifest at `path` run.
    pub fn allow_list(path: &Path) -> Result<Self, ManifestError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ManifestError::Read {
            path: shown.clone(),
            source,
        })?;
        let manifest: Manifest =
            serde_json::from_str(&text).map_err(|source| ManifestError::Format {
                path: shown,
                source,
            })?;
        let mut allowed = HashMap::new();
        for operation in manifest.operations {
            if hash(&operation.body) != operation.id.to_ascii_lowercase() {
                return Err(ManifestError::Hash {
                    name: operation.name,
                    id: operation.id,
                });
            }
            allowed.insert(operation.id.to_ascii_lowercase(), Arc::from(operation.body));
        }
        Ok(Self {
            registered: registry(0),
            allowed: Some(allowed),
        })
    }

    /// The document a request runs: its own, or the one its hash names.
    fn resolve(&self, query: &str, named: Option<&str>) -> Result<Option<Arc<str>>, Refused> {
        let named = named.map(str::to_ascii_lowercase);
        match (&self.allowed, named) {
            (Some(allowed), Some(named)) => match allowed.get(&named) {
                Some(document) if query.is_empty() || hash(query) == named => {
                    Ok(Some(document.clone()))
                }
                Some(_) => Err(Refused::Mismatch),
                None => Err(Refused::NotAllowed),
            },
            (Some(allowed), None) => {
                if allowed.contains_key(&hash(query)) {
                    Ok(None)
                } else {
                    Err(Refused::NotAllowed)
                }
            }
            (None, Some(named)) if query.is_empty() => self
                .registered
                .get(&named)
                .map(Some)
                .ok_or(Refused::NotFound),
            (None, Some(named)) => {
                if hash(query) != named {
                    return Err(Refused::Mismatch);
                }
                // Only a document that parses is kept: the memory is for clients' queries, not
                // for whatever text a caller hashes.
                if async_graphql::parser::parse_query(query).is_ok() {
                    self.registered.insert(named, Arc::from(query));
                }
                Ok(None)
            }
            (None, None) => Ok(None),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refused {
    NotFound,
    NotAllowed,
    Mismatch,
}

impl Refused {
    fn error(self) -> ServerError {
        let (message, code) = match self {
            // The message is the one Apollo's clients look for.
            Refused::NotFound => ("PersistedQueryNotFound", Code::PersistedQueryNotFound),
            Refused::NotAllowed => (
                "only the operations registered with this server may run",
                Code::OperationNotAllowed,
            ),
            Refused::Mismatch => (
                "the persisted query's sha256Hash is not the SHA-256 of the query sent",
                Code::BadRequest,
            ),
        };
        let mut error = ServerError::new(message, None);
        error
            .extensions
            .get_or_insert_with(Default::default)
            .set("code", code.as_str());
        error
    }
}

/// The schema extension that puts the document a hash names in its request.
pub struct Resolver(pub Arc<PersistedQueries>);

impl ExtensionFactory for Resolver {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(Persisted(self.0.clone()))
    }
}

struct Persisted(Arc<PersistedQueries>);

/// The hash `extensions.persistedQuery.sha256Hash` names, if any.
fn named_hash(request: &Request) -> Option<String> {
    let Some(Value::Object(persisted)) = request.extensions.get("persistedQuery") else {
        return None;
    };
    match persisted.get("sha256Hash") {
        Some(Value::String(hash)) => Some(hash.clone()),
        _ => None,
    }
}

#[async_trait::async_trait]
impl Extension for Persisted {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        let named = named_hash(&request);
        match self.0.resolve(&request.query, named.as_deref()) {
            Ok(Some(document)) => request.query = document.to_string(),
            Ok(None) => {}
            Err(refused) => return Err(refused.error()),
        }
        next.run(ctx, request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUERY: &str = "{ area(code: \"E06000001\") { name } }";

    #[test]
    fn a_hash_runs_once_its_document_was_sent_with_it() {
        let queries = PersistedQueries::automatic();
        let named = hash(QUERY);
        assert_eq!(queries.resolve("", Some(&named)), Err(Refused::NotFound));
        assert_eq!(
            queries.resolve("{ other }", Some(&named)),
            Err(Refused::Mismatch)
        );
        assert_eq!(queries.resolve(QUERY, Some(&named)), Ok(None));
        assert_eq!(
            queries.resolve("", Some(&named.to_ascii_uppercase())),
            Ok(Some(Arc::from(QUERY)))
        );
        assert_eq!(queries.resolve("{ anything }", None), Ok(None));
    }

    #[test]
    fn an_allow_list_runs_its_documents_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("manifest.json");
        let manifest = serde_json::json!({
            "format": "apollo-persisted-query-manifest", "version": 1,
            "operations": [{ "id": hash(QUERY), "name": "AreaName", "type": "query", "body": QUERY }]
        });
        std::fs::write(&path, manifest.to_string()).unwrap();
        let queries = PersistedQueries::allow_list(&path).unwrap();
        assert_eq!(
            queries.resolve("", Some(&hash(QUERY))),
            Ok(Some(Arc::from(QUERY)))
        );
        assert_eq!(queries.resolve(QUERY, None), Ok(None));
        assert_eq!(queries.resolve("{ other }", None), Err(Refused::NotAllowed));
        assert_eq!(
            queries.resolve("", Some(&hash("{ other }"))),
            Err(Refused::NotAllowed)
        );

        let forged =
            serde_json::json!({ "operations": [{ "id": hash("{ other }"), "body": QUERY }] });
        std::fs::write(&path, forged.to_string()).unwrap();
        assert!(matches!(
            PersistedQueries::allow_list(&path),
            Err(ManifestError::Hash { .. })
        ));
    }
}
