//! The changes the API makes, one function per command. Each takes the one path of
//! [`super::change::Change`]: it parses nothing (the schema did), authorizes, applies a pure
//! transition from `domain`, writes, and commits with its event.

pub mod engagement;
pub mod inspection;
pub mod intervention;
pub mod map;
pub mod plans;
pub mod webhooks;
