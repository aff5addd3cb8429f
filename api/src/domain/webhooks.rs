//! The rules of webhook subscriptions: which endpoints may receive deliveries, and when a
//! failed delivery is tried again or given up.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr},
    time::Duration,
};

use chrono::{DateTime, TimeDelta, Utc};
use url::{Host, Url};

use super::rejection::{Checked, MAX_URL, Rejection};

/// The longest wait between two attempts.
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(3600);

/// An endpoint a subscription may deliver to: `https` with a host, no credentials in the URL,
/// and never a private, loopback or link-local address written as the host. With
/// `allow_http_loopback` (development and tests), `http` and `https` to a loopback address are
/// allowed too. Names are resolved and checked again on every delivery.
pub fn endpoint(field: &str, raw: &str, allow_http_loopback: bool) -> Checked<Url> {
    let raw = raw.trim();
    if raw.len() > MAX_URL {
        return Err(Rejection::invalid(
            field,
            format!("must be at most {MAX_URL} characters"),
        ));
    }
    let url =
        Url::parse(raw).map_err(|_| Rejection::invalid(field, "must be an absolute https URL"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Rejection::invalid(field, "must not carry credentials"));
    }
    let loopback = match url.host() {
        None => return Err(Rejection::invalid(field, "must be an absolute https URL")),
        Some(Host::Domain(_)) => false,
        Some(Host::Ipv4(ip)) => is_loopback(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => is_loopback(IpAddr::V6(ip)),
    };
    let allowed_loopback = loopback && allow_http_loopback;
    match url.scheme() {
        "https" => {}
        "http" if allowed_loopback => {}
        _ => return Err(Rejection::invalid(field, "must be an absolute https URL")),
    }
    let address = match url.host() {
        Some(Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        _ => None,
    };
    if let Some(address) = address
        && !may_receive(address, allow_http_loopback)
    {
        return Err(Rejection::invalid(
            field,
            "must not be a private, loopback or link-local address",
        ));
    }
    Ok(url)
}

/// Whether a delivery may connect to `address`: a public unicast address, or a loopback one
/// when development allows it.
pub fn may_receive(address: IpAddr, allow_loopback: bool) -> bool {
    if is_loopback(address) {
        return allow_loopback;
    }
    match address {
        IpAddr::V4(ip) => is_public_v4(ip),
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(mapped) => is_public_v4(mapped),
            None => is_public_v6(ip),
        },
    }
}

fn is_loopback(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(ip) => ip.is_loopback(),
        IpAddr::V6(ip) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    let shared = a == 100 && (64..128).contains(&b); // 100.64.0.0/10, carrier-grade NAT
    let benchmarking = a == 198 && (b == 18 || b == 19); // 198.18.0.0/15
    let reserved = a >= 240; // 240.0.0.0/4 and broadcast
    let this_network = a == 0;
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_documentation()
        || shared
        || benchmarking
        || reserved
        || this_network)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let segments = ip.segments();
    let [first, second, ..] = segments;
    // The well-known NAT64 prefix (64:ff9b::/96) carries the IPv4 address a DNS64 resolver
    // translated: public exactly when that address is.
    if segments[..6] == [0x0064, 0xff9b, 0, 0, 0, 0] {
        let [.., high, low] = segments;
        let embedded = Ipv4Addr::from((u32::from(high) << 16) | u32::from(low));
        return is_public_v4(embedded);
    }
    let documentation = first == 0x2001 && second == 0x0db8;
    // Other ranges that carry an IPv4 address a gateway may reach, and cannot be checked:
    // local NAT64 (64:ff9b:1::/48), 6to4 (2002::/16), Teredo (2001::/32), IPv4-compatible
    // (::/96) and IPv4-translated (::ffff:0:0:0/96).
    let embeds_ipv4 = (first == 0x0064 && second == 0xff9b)
        || first == 0x2002
        || (first == 0x2001 && second == 0)
        || segments[..6].iter().all(|segment| *segment == 0)
        || segments[..5] == [0, 0, 0, 0, 0xffff];
    !(embeds_ipv4
        || ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || ip.is_unique_local()
        || ip.is_unicast_link_local()
        || documentation)
}

/// How long to wait before attempt `failed + 1`, after `failed` failed attempts: `base`
/// doubled for each failure after the first, at most [`MAX_RETRY_DELAY`], less a random part
/// of up to a half (`jitter` in `[0, 1)`), so that endpoints coming back are not hit by every
/// retry at once.
pub fn retry_delay(failed: u32, base: Duration, jitter: f64) -> Duration {
    let doubled = base.saturating_mul(1 << failed.saturating_sub(1).min(20));
    let delay = doubled.min(MAX_RETRY_DELAY);
    delay.mul_f64(1.0 - jitter.clamp(0.0, 1.0) / 2.0)
}

/// Whether a subscription whose delivery has failed since `failing_since` gives up at `now`,
/// having retried for `window`.
pub fn gives_up(failing_since: DateTime<Utc>, now: DateTime<Utc>, window: Duration) -> bool {
    TimeDelta::from_std(window).is_ok_and(|window| now - failing_since >= window)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_https_with_a_public_host() {
        for good in [
            "https://hooks.example.gov.uk/send",
            "https://8.8.8.8/hook",
            "https://[2606:4700::1111]/hook",
        ] {
            assert!(endpoint("url", good, false).is_ok(), "{good}");
        }
        for bad in [
            "http://hooks.example.gov.uk/send",
            "ftp://hooks.example.gov.uk/",
            "https://user:pass@hooks.example.gov.uk/",
            "https://127.0.0.1/hook",
            "https://10.1.2.3/hook",
            "https://172.16.0.1/hook",
            "https://192.168.1.1/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://[::1]/",
            "https://[fe80::1]/",
            "https://[fd00::1]/",
            "https://[::ffff:10.0.0.1]/",
            "https://[64:ff9b::a00:1]/",
            "https://[::ffff:0:a00:1]/",
            "https://[64:ff9b:1::a00:1]/",
            "https://[2002:a00:1::]/",
            "https://[2001:0:4136:e378::1]/",
            "https://[::10.0.0.1]/",
            "not a url",
        ] {
            assert!(endpoint("url", bad, false).is_err(), "{bad}");
        }
    }

    #[test]
    fn development_allows_loopback_over_http_and_nothing_else_private() {
        assert!(endpoint("url", "http://127.0.0.1:8080/hook", true).is_ok());
        assert!(endpoint("url", "https://127.0.0.1:8443/hook", true).is_ok());
        assert!(endpoint("url", "http://[::1]:8080/hook", true).is_ok());
        assert!(endpoint("url", "http://10.0.0.1/hook", true).is_err());
        assert!(endpoint("url", "http://hooks.example.gov.uk/", true).is_err());
        assert!(endpoint("url", "http://127.0.0.1:8080/hook", false).is_err());
    }

    #[test]
    fn resolved_addresses_are_checked_the_same_way() {
        assert!(may_receive("81.2.69.160".parse().unwrap(), false));
        assert!(!may_receive("127.0.0.53".parse().unwrap(), false));
        assert!(may_receive("127.0.0.53".parse().unwrap(), true));
        assert!(!may_receive("192.168.0.10".parse().unwrap(), true));
        assert!(!may_receive(
            "::ffff:169.254.169.254".parse().unwrap(),
            false
        ));
    }

    #[test]
    fn retries_back_off_exponentially_with_jitter_up_to_an_hour() {
        let base = Duration::from_secs(5);
        assert_eq!(retry_delay(1, base, 0.0), Duration::from_secs(5));
        assert_eq!(retry_delay(2, base, 0.0), Duration::from_secs(10));
        assert_eq!(retry_delay(4, base, 0.0), Duration::from_secs(40));
        assert_eq!(retry_delay(3, base, 0.999_999).as_secs(), 10);
        assert_eq!(retry_delay(30, base, 0.0), MAX_RETRY_DELAY);
        assert_eq!(retry_delay(u32::MAX, base, 0.0), MAX_RETRY_DELAY);
    }

    #[test]
    fn a_subscription_gives_up_after_a_day_of_failures() {
        let since = Utc::now();
        let day = Duration::from_secs(24 * 3600);
        assert!(!gives_up(since, since + TimeDelta::hours(23), day));
        assert!(gives_up(since, since + TimeDelta::hours(24), day));
    }
}
