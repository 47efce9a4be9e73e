//! Time-based one-time codes (RFC 6238, the codes of authenticator apps): an account's
//! secret, the codes it gives, the link and QR code an app reads it from, and how the
//! secret is kept, sealed under a key of the site's secret.
//!
//! Codes are six digits for 30-second steps, HMAC-SHA1: what every authenticator app
//! reads by default. A code is accepted for the step before and after the server's, as
//! phones' clocks drift; which step it matched is returned, so that storage can refuse
//! it a second time ([`super::two_factor`]).

use hmac::{Hmac, Mac};
use qrcode::QrCode;
use qrcode::render::svg;
use reqwest::Url;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use sha2::Sha256;
use totp_rs::{Algorithm, TOTP};

use crate::error::AppError;

/// Seconds per step: a code changes every 30 seconds.
pub const STEP_SECONDS: u64 = 30;

/// Digits in a code.
pub const DIGITS: usize = 6;

/// Bytes in a secret: 160 bits, as RFC 4226 recommends.
const SECRET_BYTES: usize = 20;

/// An account's TOTP secret, in the clear (only ever in memory).
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl Secret {
    /// A new random secret.
    pub fn generate() -> Self {
        Self(rand::random::<[u8; SECRET_BYTES]>().to_vec())
    }

    /// The secret of `typed`, as [`Secret::for_typing`] shows it (spaces and case do not
    /// matter); `None` when it is not base32.
    pub fn from_typed(typed: &str) -> Option<Self> {
        let plain: String = typed
            .chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_uppercase)
            .collect();
        totp_rs::Secret::Encoded(plain)
            .to_bytes()
            .ok()
            .filter(|bytes| !bytes.is_empty())
            .map(Self)
    }

    /// The secret as people type it into an app that cannot scan: base32, in groups of
    /// four.
    pub fn for_typing(&self) -> String {
        let plain = self.totp().get_secret_base32();
        plain
            .as_bytes()
            .chunks(4)
            .map(|group| String::from_utf8_lossy(group).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn totp(&self) -> TOTP {
        TOTP::new_unchecked(Algorithm::SHA1, DIGITS, 0, STEP_SECONDS, self.0.clone())
    }

    /// The code of step `step`.
    pub fn code_at_step(&self, step: u64) -> String {
        self.totp().generate(step * STEP_SECONDS)
    }

    /// The step `code` belongs to, when it is this secret's code at `unix_time` or a step
    /// either side of it (compared in constant time); `None` for any other code.
    pub fn matching_step(&self, code: &str, unix_time: u64) -> Option<u64> {
        let code = normalise(code)?;
        let now = unix_time / STEP_SECONDS;
        [now.saturating_sub(1), now, now + 1]
            .into_iter()
            .find(|&step| constant_time_eq(self.code_at_step(step).as_bytes(), code.as_bytes()))
    }

    /// The `otpauth://` link an authenticator app reads the secret from, naming the site
    /// (`issuer`) and the account.
    pub fn link(&self, issuer: &str, account: &str) -> String {
        let mut url = match Url::parse("otpauth://totp/") {
            Ok(url) => url,
            Err(_) => unreachable!("the otpauth base parses"),
        };
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().push(&format!("{issuer}:{account}"));
        }
        url.query_pairs_mut()
            .append_pair("secret", &self.totp().get_secret_base32())
            .append_pair("issuer", issuer)
            .append_pair("algorithm", "SHA1")
            .append_pair("digits", &DIGITS.to_string())
            .append_pair("period", &STEP_SECONDS.to_string());
        url.into()
    }
}

/// A typed code as six digits, whatever spaces the person put in it; `None` when it is
/// not six digits.
pub fn normalise(code: &str) -> Option<String> {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// `link` as a QR code, an SVG image to put in a page.
///
/// # Errors
/// [`AppError::Internal`] for a link too long for a QR code (never one of
/// [`Secret::link`]'s with a sane issuer and address).
pub fn qr_svg(link: &str) -> Result<String, AppError> {
    let code = QrCode::new(link.as_bytes()).map_err(AppError::internal)?;
    Ok(code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build())
}

/// The key secrets are sealed with (AES-256-GCM), derived from the site's secret under
/// its own label. Changing `SECRET_KEY` makes sealed secrets unreadable: their accounts
/// sign in with a recovery code and enrol again.
pub struct SealKey(LessSafeKey);

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealKey(***)")
    }
}

impl SealKey {
    /// The seal key of `secret_key`.
    pub fn new(secret_key: &[u8]) -> Self {
        let mut mac = match Hmac::<Sha256>::new_from_slice(secret_key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC takes keys of any length"),
        };
        mac.update(b"mizan-two-factor-secrets-v1");
        let bytes = mac.finalize().into_bytes();
        match UnboundKey::new(&AES_256_GCM, &bytes) {
            Ok(key) => Self(LessSafeKey::new(key)),
            Err(_) => unreachable!("a SHA-256 digest is an AES-256 key"),
        }
    }

    /// `secret` sealed for `user_id` (a random nonce, then the ciphertext and tag), in
    /// hex. Bound to the account: a sealed secret copied to another row does not open.
    pub fn seal(&self, user_id: &str, secret: &Secret) -> String {
        let nonce = rand::random::<[u8; NONCE_LEN]>();
        let mut sealed = secret.0.clone();
        if self
            .0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(user_id.as_bytes()),
                &mut sealed,
            )
            .is_err()
        {
            unreachable!("AES-GCM seals any 20 bytes");
        }
        let mut out = nonce.to_vec();
        out.extend(sealed);
        hex::encode(out)
    }

    /// The secret `sealed` holds for `user_id`.
    ///
    /// # Errors
    /// [`AppError::Internal`] when it does not open (sealed under another key, or for
    /// another account).
    pub fn open(&self, user_id: &str, sealed: &str) -> Result<Secret, AppError> {
        let cannot = || AppError::internal("a two-factor secret does not open with this key");
        let bytes = hex::decode(sealed).map_err(|_| cannot())?;
        if bytes.len() < NONCE_LEN {
            return Err(cannot());
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| cannot())?;
        let mut in_out = sealed.to_vec();
        let plain = self
            .0
            .open_in_place(nonce, Aad::from(user_id.as_bytes()), &mut in_out)
            .map_err(|_| cannot())?;
        Ok(Secret(plain.to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238's SHA-1 secret.
    fn rfc_secret() -> Secret {
        Secret(b"12345678901234567890".to_vec())
    }

    #[test]
    fn codes_are_rfc_6238s() {
        // The RFC's vectors are eight digits; six are their last six.
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(
                rfc_secret().code_at_step(time / STEP_SECONDS),
                code,
                "{time}"
            );
        }
    }

    #[test]
    fn a_code_matches_its_step_and_the_steps_either_side() {
        let secret = rfc_secret();
        let now = 1_111_111_111;
        let step = now / STEP_SECONDS;
        let code = secret.code_at_step(step);
        assert_eq!(secret.matching_step(&code, now), Some(step));
        assert_eq!(secret.matching_step(&code, now + STEP_SECONDS), Some(step));
        assert_eq!(secret.matching_step(&code, now - STEP_SECONDS), Some(step));
        assert_eq!(secret.matching_step(&code, now + 2 * STEP_SECONDS), None);
        assert_eq!(secret.matching_step(&code, now - 2 * STEP_SECONDS), None);
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(secret.matching_step(&spaced, now), Some(step));
    }

    #[test]
    fn other_codes_match_nothing() {
        let secret = rfc_secret();
        for code in ["", "12345", "1234567", "abcdef", "050472"] {
            assert_eq!(secret.matching_step(code, 1_111_111_111), None, "{code}");
        }
    }

    #[test]
    fn the_link_names_the_site_and_the_account() {
        let link = rfc_secret().link("example.com", "ada+1@example.com");
        assert!(
            link.starts_with("otpauth://totp/example.com:ada+1@example.com?"),
            "{link}"
        );
        assert!(
            link.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=example.com"),
            "{link}"
        );
        assert!(qr_svg(&link).expect("qr").starts_with("<?xml"));
        let typed = rfc_secret().for_typing();
        assert_eq!(typed, "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ");
        let read = Secret::from_typed(&typed.to_lowercase()).expect("base32");
        assert_eq!(read.code_at_step(37), rfc_secret().code_at_step(37));
        assert!(Secret::from_typed("not base32!").is_none());
    }

    #[test]
    fn a_sealed_secret_opens_only_for_its_account_under_its_key() {
        let key = SealKey::new(b"the site's secret");
        let sealed = key.seal("user-1", &rfc_secret());
        let opened = key.open("user-1", &sealed).expect("opens");
        assert_eq!(opened.code_at_step(37), rfc_secret().code_at_step(37));
        assert!(key.open("user-2", &sealed).is_err());
        assert!(
            SealKey::new(b"another secret")
                .open("user-1", &sealed)
                .is_err()
        );
        assert!(key.open("user-1", "not hex").is_err());
        assert_ne!(
            sealed,
            key.seal("user-1", &rfc_secret()),
            "a new nonce each time"
        );
    }
}
