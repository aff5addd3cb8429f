//! Per-caller rate limiting by query cost: a token bucket per token subject, or per client
//! address for the public, refilled at a steady rate (GCRA, from `governor`). Every request
//! costs at least 1, so malformed ones are limited too; a query that validates then costs
//! what the [cost model](crate::graphql::cost) says.
//!
//! The state is reported as the IETF draft's `RateLimit-Policy` and `RateLimit` headers and
//! as Shopify's `extensions.cost.throttleStatus`.

use std::{net::IpAddr, num::NonZeroU32, sync::Arc, time::Duration};

use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter as Governor, clock::Clock,
    middleware::StateInformationMiddleware,
};

use crate::policy::Viewer;

/// How often buckets that have refilled are forgotten.
const FORGET_FULL_BUCKETS_EVERY: Duration = Duration::from_secs(60);

/// Per-caller buckets of query cost.
pub struct RateLimiter {
    buckets: Option<DefaultKeyedRateLimiter<String, StateInformationMiddleware>>,
    per_second: u32,
    burst: u32,
}

/// What charging a request's cost to its caller's bucket decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charge {
    /// Allowed, with this much cost left in the bucket.
    Allowed { remaining: u32 },
    /// Refused: the bucket holds enough again after this long.
    Refused { retry_after: Duration },
}

impl RateLimiter {
    /// `per_second` of 0 turns limiting off. The burst is raised to `max_cost` if lower, so
    /// that every query the cost limit accepts can run on a full bucket.
    pub fn new(per_second: u32, burst: u32, max_cost: usize) -> Arc<Self> {
        let burst = burst.max(u32::try_from(max_cost).unwrap_or(u32::MAX));
        let buckets =
            NonZeroU32::new(per_second)
                .zip(NonZeroU32::new(burst))
                .map(|(rate, burst)| {
                    Governor::keyed(Quota::per_second(rate).allow_burst(burst))
                        .with_middleware::<StateInformationMiddleware>()
                });
        Arc::new(Self {
            buckets,
            per_second,
            burst,
        })
    }

    /// The bucket a caller draws from; none while limiting is off, which then costs nothing.
    pub fn key(&self, viewer: &Viewer, client: Option<IpAddr>) -> Option<String> {
        self.is_enabled().then(|| Self::bucket(viewer, client))
    }

    fn bucket(viewer: &Viewer, client: Option<IpAddr>) -> String {
        match (viewer, client) {
            (Viewer::SignedIn(caller), _) => format!("sub:{}", caller.subject),
            // One IPv6 subscriber holds a whole /64: a bucket per address would be no limit.
            (Viewer::Public, Some(IpAddr::V6(address))) => {
                let network = u128::from(address) & !((1u128 << 64) - 1);
                format!("ip:{}/64", std::net::Ipv6Addr::from(network))
            }
            (Viewer::Public, Some(address)) => format!("ip:{address}"),
            (Viewer::Public, None) => "ip:unknown".to_owned(),
        }
    }

    fn is_enabled(&self) -> bool {
        self.buckets.is_some()
    }

    /// Takes `cost` from the caller's bucket, if it holds that much; `None` when limiting is off.
    pub fn charge(&self, key: &str, cost: usize) -> Option<Charge> {
        let buckets = self.buckets.as_ref()?;
        let cost = NonZeroU32::new(u32::try_from(cost.max(1)).unwrap_or(u32::MAX))?;
        Some(match buckets.check_key_n(&key.to_owned(), cost) {
            Ok(Ok(snapshot)) => Charge::Allowed {
                remaining: snapshot.remaining_burst_capacity(),
            },
            Ok(Err(not_until)) => Charge::Refused {
                retry_after: not_until.wait_time_from(buckets.clock().now()),
            },
            // More than a full bucket: never affordable. The cost limit keeps queries below
            // the burst, so only a misconfiguration gets here; say when the bucket is full.
            Err(_) => Charge::Refused {
                retry_after: self.refill_time(0),
            },
        })
    }

    /// The draft's `RateLimit-Policy` value: the bucket's size and the seconds it takes to
    /// fill from empty.
    pub fn policy(&self) -> Option<String> {
        self.is_enabled().then(|| {
            format!(
                "\"cost\";q={};w={}",
                self.burst,
                self.refill_time(0).as_secs().max(1)
            )
        })
    }

    /// The draft's `RateLimit` value: what is left, and the seconds until the bucket is full.
    pub fn state(&self, remaining: u32) -> String {
        format!(
            "\"cost\";r={remaining};t={}",
            self.refill_time(remaining).as_secs()
        )
    }

    /// Shopify's `throttleStatus`.
    pub fn throttle_status(&self, remaining: u32) -> serde_json::Value {
        serde_json::json!({
            "maximumAvailable": self.burst,
            "currentlyAvailable": remaining,
            "restoreRate": self.per_second,
        })
    }

    fn refill_time(&self, remaining: u32) -> Duration {
        let missing = self.burst.saturating_sub(remaining);
        Duration::from_secs(u64::from(missing).div_ceil(u64::from(self.per_second.max(1))))
    }

    /// Forgets full buckets now and then, so that one-off callers do not accumulate.
    pub fn spawn_cleanup(self: &Arc<Self>) {
        if !self.is_enabled() {
            return;
        }
        let limiter = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(FORGET_FULL_BUCKETS_EVERY);
            loop {
                every.tick().await;
                let Some(limiter) = limiter.upgrade() else {
                    return;
                };
                if let Some(buckets) = &limiter.buckets {
                    buckets.retain_recent();
                    buckets.shrink_to_fit();
                }
            }
        });
    }
}

/// Seconds to wait, rounded up: a client told 0 would retry at once and be refused again.
pub fn whole_seconds(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_refuses_until_it_refills() {
        let limiter = RateLimiter::new(10, 100, 50);

        assert_eq!(
            limiter.charge("a", 60),
            Some(Charge::Allowed { remaining: 40 })
        );
        let Some(Charge::Refused { retry_after }) = limiter.charge("a", 50) else {
            panic!("expected a refusal");
        };
        assert!(retry_after <= Duration::from_secs(1), "{retry_after:?}");
        assert_eq!(
            limiter.charge("b", 100),
            Some(Charge::Allowed { remaining: 0 })
        );
    }

    #[test]
    fn the_burst_is_never_below_the_largest_accepted_cost() {
        let limiter = RateLimiter::new(10, 5, 50);
        assert_eq!(
            limiter.charge("a", 50),
            Some(Charge::Allowed { remaining: 0 })
        );
    }

    #[test]
    fn the_public_draws_by_address_and_ipv6_by_its_64() {
        let key = |address: &str| RateLimiter::bucket(&Viewer::Public, address.parse().ok());
        assert_eq!(key("192.0.2.7"), "ip:192.0.2.7");
        assert_eq!(key("2001:db8:1:2:aaaa::1"), key("2001:db8:1:2:bbbb::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
    }

    #[test]
    fn a_rate_of_zero_turns_limiting_off() {
        let limiter = RateLimiter::new(0, 100, 50);
        assert_eq!(limiter.key(&Viewer::Public, None), None);
        assert_eq!(limiter.charge("a", 1_000), None);
        assert_eq!(limiter.policy(), None);
    }

    #[test]
    fn the_headers_describe_the_bucket() {
        let limiter = RateLimiter::new(10, 100, 50);
        assert_eq!(limiter.policy().unwrap(), "\"cost\";q=100;w=10");
        assert_eq!(limiter.state(40), "\"cost\";r=40;t=6");
    }
}
