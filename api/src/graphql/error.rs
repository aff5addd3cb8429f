//! How errors reach clients: every error carries `extensions.code`, and none carries internals.

use std::sync::Arc;

use async_graphql::{
    ErrorExtensions, Response, ServerError, ServerResult, ValidationResult, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextRequest,
        NextValidation,
    },
    parser::types::ExecutableDocument,
};

use crate::error::{AppError, Code};

impl ErrorExtensions for AppError {
    fn extend(&self) -> async_graphql::Error {
        async_graphql::Error::new(self.to_string())
            .extend_with(|_, e| e.set("code", self.code().as_str()))
    }
}

/// The longest error message sent: room for our own messages with their short echoes of the
/// input, never for a large payload reflected back.
const MAX_MESSAGE_CHARS: usize = 256;

fn shortened(message: &str) -> String {
    let cut = message
        .char_indices()
        .nth(MAX_MESSAGE_CHARS)
        .map_or(message.len(), |(index, _)| index);
    format!("{}…", &message[..cut])
}

/// Gives a code to the errors async-graphql raises itself, which carry none: parse and
/// validation failures, an `operationName` that selects nothing, and arguments that fail to
/// coerce.
pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

fn with_code(mut error: ServerError, code: Code) -> ServerError {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code.as_str());
    }
    error
}

#[async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        let mut response = next.run(ctx).await;
        // Parse, validation and execution errors have their codes by now; what remains is
        // the choice of operation, which async-graphql makes outside every other hook.
        response.errors = response
            .errors
            .into_iter()
            .map(|mut error| {
                // async-graphql's messages repeat names from the document whole.
                if error.message.chars().count() > MAX_MESSAGE_CHARS {
                    error.message = shortened(&error.message);
                }
                with_code(error, Code::OperationResolutionFailure)
            })
            .collect();
        response
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables)
            .await
            .map_err(|error| with_code(error, Code::GraphqlParseFailed))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|error| with_code(error, Code::GraphqlValidationFailed))
                .collect()
        })
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        let mut response = next.run(ctx, operation_name).await;
        // Our own errors all carry a code; one without is an argument async-graphql could not
        // coerce (a malformed date, say): the client's input.
        response.errors = response
            .errors
            .into_iter()
            .map(|error| with_code(error, Code::BadUserInput))
            .collect();
        response
    }
}
