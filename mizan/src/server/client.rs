//! Who the client is: the address every per-client limit counts under.
//!
//! It is the connection's peer, unless that peer is a proxy the site trusts
//! (`MIZAN_TRUSTED_PROXIES`, or with `MIZAN_BEHIND_PROXY` a proxy on this machine or a
//! private network, as Rails trusts by default). Then
//! `X-Forwarded-For` is read from its end: each trusted proxy appends the address that
//! connected to it, so the first address from the right that is not a trusted proxy is
//! the client, and everything to its left is the client's own to invent. A request
//! always has a client: a trusted proxy that forwards no usable address counts as the
//! client itself, so no limit is ever skipped for want of a header.
//!
//! IPv6 clients are keyed by their /64 network: one subscriber usually holds a whole /64,
//! and a limit per address would give them 2^64 budgets.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;

/// The networks whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// No proxy: every client is the connection's peer.
    pub fn none() -> Self {
        Self::default()
    }

    /// A proxy on this machine or on a private network (loopback, `10.0.0.0/8`,
    /// `172.16.0.0/12`, `192.168.0.0/16`, `fc00::/7`): `MIZAN_BEHIND_PROXY=true` alone.
    /// Only right when nobody but the proxy reaches the server from those networks.
    pub fn local() -> Self {
        Self(
            [
                "127.0.0.0/8",
                "::1/128",
                "10.0.0.0/8",
                "172.16.0.0/12",
                "192.168.0.0/16",
                "fc00::/7",
            ]
            .iter()
            .filter_map(|net| net.parse().ok())
            .collect(),
        )
    }

    /// Networks written as `203.0.113.0/24, 2001:db8::/32, 192.0.2.7` (a lone address is
    /// that address alone).
    ///
    /// # Errors
    /// The first entry that is neither a network nor an address.
    pub fn parse(text: &str) -> Result<Self, String> {
        text.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("`{entry}` is not a network (`10.0.0.0/8`) or address"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Self)
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` belongs to a trusted proxy.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request from `peer` carrying `headers`.
    pub fn client_of(&self, headers: &HeaderMap, peer: IpAddr) -> IpAddr {
        let peer = canonical(peer);
        if !self.contains(peer) {
            return peer;
        }
        let mut client = peer;
        // Read as bytes: one hop a client wrote in another encoding must not hide the
        // hops our proxies added after it.
        let hops: Vec<&[u8]> = headers
            .get_all("x-forwarded-for")
            .iter()
            .flat_map(|value| value.as_bytes().split(|byte| *byte == b','))
            .collect();
        for hop in hops.iter().rev() {
            // What a trusted proxy appends is an address; anything else came from the
            // client, through that proxy: the proxy's own address stands for them.
            let Some(ip) = hop_address(hop) else {
                break;
            };
            client = ip;
            if !self.contains(ip) {
                break;
            }
        }
        client
    }
}

/// The address of one `X-Forwarded-For` hop: `203.0.113.9`, `2001:db8::1`, and the forms
/// with a port some proxies write (`203.0.113.9:4711`, `[2001:db8::1]:4711`).
fn hop_address(hop: &[u8]) -> Option<IpAddr> {
    let text = std::str::from_utf8(hop).ok()?.trim();
    text.parse::<IpAddr>()
        .or_else(|_| text.parse::<SocketAddr>().map(|addr| addr.ip()))
        .ok()
        .map(canonical)
}

/// An IPv4 address written as IPv6 (`::ffff:198.51.100.7`) is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// What per-client limits count under: an IPv4 address, or an IPv6 /64 network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientKey(IpAddr);

impl ClientKey {
    /// The key of `ip`.
    pub fn of(ip: IpAddr) -> Self {
        match canonical(ip) {
            IpAddr::V6(v6) => {
                let network = u128::from(v6) & !((1u128 << 64) - 1);
                Self(IpAddr::V6(Ipv6Addr::from(network)))
            }
            v4 => Self(v4),
        }
    }

    /// The key of the client of a request (its parts, as axum and Leptos hold them).
    /// Without the connection's address (a server not started with connect info) every
    /// such request shares one key: limits still apply.
    pub fn of_request(trusted: &TrustedProxies, parts: &Parts) -> Self {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |ConnectInfo(addr)| addr.ip());
        Self::of(trusted.client_of(&parts.headers, peer))
    }
}

impl fmt::Display for ClientKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            IpAddr::V6(network) => write!(f, "{network}/64"),
            IpAddr::V4(ip) => write!(f, "{ip}"),
        }
    }
}

/// The client of the request being handled (a server function or a page render).
///
/// # Errors
/// [`crate::AppError::Internal`] outside a request.
pub fn current() -> Result<ClientKey, crate::AppError> {
    // Who the caller is, in another form: a shared cached answer must not depend on it.
    crate::cache::reading_the_caller();
    let state = crate::runtime::state()?;
    leptos::prelude::with_context::<Parts, _>(|parts| {
        ClientKey::of_request(&state.config.trusted_proxies, parts)
    })
    .ok_or_else(|| crate::AppError::internal("no request in the Leptos context"))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    fn forwarded(values: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append("x-forwarded-for", HeaderValue::from_static(value));
        }
        headers
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let trusted = TrustedProxies::parse("10.0.0.0/8").expect("valid");
        let headers = forwarded(&["203.0.113.9"]);
        assert_eq!(
            trusted.client_of(&headers, ip("198.51.100.1")),
            ip("198.51.100.1")
        );
        assert_eq!(
            TrustedProxies::none().client_of(&headers, ip("198.51.100.1")),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_client_is_the_first_untrusted_hop_from_the_right() {
        let trusted = TrustedProxies::parse("10.0.0.0/8, 192.0.2.7").expect("valid");
        // The client's own invention, then the client, then two of our proxies.
        let headers = forwarded(&["6.6.6.6, 203.0.113.9", "192.0.2.7"]);
        assert_eq!(
            trusted.client_of(&headers, ip("10.1.2.3")),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn hops_with_ports_or_bytes_of_another_encoding_are_read() {
        let trusted = TrustedProxies::local();
        let peer = ip("10.0.0.2");
        let mut headers = HeaderMap::new();
        headers.append(
            "x-forwarded-for",
            HeaderValue::from_bytes(b"\xff\xfe, 203.0.113.9:4711").expect("bytes"),
        );
        assert_eq!(trusted.client_of(&headers, peer), ip("203.0.113.9"));
        assert_eq!(
            trusted.client_of(&forwarded(&["[2001:db8::7]:443"]), peer),
            ip("2001:db8::7")
        );
    }

    #[test]
    fn a_trusted_proxy_that_forwards_nothing_usable_is_the_client() {
        let trusted = TrustedProxies::local();
        let peer = ip("127.0.0.1");
        assert_eq!(trusted.client_of(&HeaderMap::new(), peer), peer);
        assert_eq!(trusted.client_of(&forwarded(&["junk"]), peer), peer);
        assert_eq!(
            trusted.client_of(&forwarded(&["203.0.113.9, junk"]), peer),
            peer,
            "what stands left of junk is not believed"
        );
    }

    #[test]
    fn ipv6_clients_are_keyed_by_their_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(
            ClientKey::of(ip("2001:db8:1:2::5")),
            ClientKey::of(ip("2001:db8:1:2:ffff::1"))
        );
        assert_ne!(
            ClientKey::of(ip("2001:db8:1:2::5")),
            ClientKey::of(ip("2001:db8:1:3::5"))
        );
        assert_eq!(
            ClientKey::of(ip("2001:db8:1:2::5")).to_string(),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            ClientKey::of(ip("::ffff:198.51.100.7")).to_string(),
            "198.51.100.7"
        );
    }

    #[test]
    fn entries_that_are_not_networks_are_refused() {
        assert!(TrustedProxies::parse("10.0.0.0/8, nope").is_err());
        assert!(TrustedProxies::parse("").expect("valid").is_empty());
    }
}
