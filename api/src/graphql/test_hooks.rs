//! Faults the integration tests inject; compiled only with the `test-hooks` feature, which
//! the production binary never enables.

use std::sync::Arc;

use async_graphql::{
    Response,
    extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute},
};

/// The operation name that makes execution panic.
pub const PANIC_OPERATION: &str = "PanicForTest";

pub struct PanicOnRequest;

impl ExtensionFactory for PanicOnRequest {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PanicOnRequest)
    }
}

#[async_trait::async_trait]
impl Extension for PanicOnRequest {
    #[allow(clippy::panic)]
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        if operation_name == Some(PANIC_OPERATION) {
            panic!("injected by the test hook");
        }
        next.run(ctx, operation_name).await
    }
}
