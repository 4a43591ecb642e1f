//! Token verification with the TEST-ONLY keys, the golden corpus's policy and clock.
//!
//! First byte even: the rest is a token as sent. Verification never panics, sync and async agree exactly, no
//! input makes it answer `internal` or `misconfigured` (those are never the caller's doing), and an `Ok` is one
//! of the golden corpus's valid tokens, byte for byte: random bytes cannot carry a signature of our keys.
//!
//! First byte odd: the harness mints a token itself (Ed25519, the TEST-ONLY signing key) from claims the input
//! picks (fields split on 0xFF, times and choices from eight control bytes), then: minting fails exactly when the claims' shape is wrong; the minted
//! token verifies exactly when an independent reading of the policy says it should, and then yields the same
//! claims; and any one-character change to it never verifies.
#![no_main]

use handoff_core::{
    Blocking, Claims, ErrorKind, HARD_MAX_TTL_SECS, MAX_CLAIM_LEN, MAX_REDIRECT_LEN, RustCrypto, Verifier,
    mint, new_jti,
};
use handoff_fuzz::{Bytes, block_on, fields, golden};
use libfuzzer_sys::fuzz_target;

const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        raw(&String::from_utf8_lossy(rest));
    } else {
        minted(rest);
    }
});

fn raw(token: &str) {
    let g = golden();
    let sync = Verifier::new(&g.public, &g.policy).verify(token, g.now, &RustCrypto);
    let asynchronous =
        block_on(Verifier::new(&g.public, &g.policy).verify_async(token, g.now, &Blocking(RustCrypto)));
    assert_eq!(sync, asynchronous, "sync and async verification disagree");
    match sync {
        Ok(verified) => {
            assert!(
                g.valid.iter().any(|t| t == token),
                "a token outside the golden corpus verified: {token:?} -> {verified:?}"
            );
        }
        Err(e) => assert!(
            !matches!(e.kind(), ErrorKind::Backend(_) | ErrorKind::Misconfigured(_)),
            "caller input produced a server-side reason: {e:?}"
        ),
    }
}

fn minted(data: &[u8]) {
    let g = golden();
    let (control, text) = data.split_at(data.len().min(8));
    let mut c = Bytes(control);
    let f = fields(text);
    let field = |i: usize, default: &str| f.get(i).cloned().unwrap_or_else(|| default.to_owned());
    let choice = c.u8();
    let iss = if choice & 1 == 0 {
        g.policy.issuer.clone()
    } else {
        field(0, "")
    };
    let aud = if choice & 2 == 0 {
        g.policy.audiences[usize::from(choice >> 2) % g.policy.audiences.len()].clone()
    } else {
        field(1, "")
    };
    let iat = g.now.wrapping_add_signed(i64::from(c.u8() as i8));
    let nbf = iat + u64::from(c.u8() % 8);
    let exp = iat + u64::from(c.u8());
    let jti_byte = c.u8();
    let claims = Claims {
        iss,
        aud,
        sub: field(2, "7d3c0a4e-52b1-4c8e-9f0a-1b2c3d4e5f60"),
        username: field(3, "alice"),
        azp: field(4, "mobile-client-test"),
        iat,
        nbf,
        exp,
        jti: f.get(5).cloned().unwrap_or_else(|| new_jti([jti_byte; 16])),
        redirect: f.get(6).cloned(),
    };
    // Ed25519 only: RSA signing costs ~60 ms a token under the sanitizer, which would starve the fuzzer. RS256
    // verification is covered by the golden RS256 tokens in the raw mode.
    let keys = &g.private;
    let token = match mint(&claims, keys, &RustCrypto) {
        Ok(token) => {
            assert!(claims.check_shape().is_ok(), "minted claims of a bad shape");
            token
        }
        Err(e) => {
            assert!(
                claims.check_shape().is_err(),
                "minting failed for good claims: {e:?}"
            );
            assert!(
                !shape_ok(&claims),
                "minting refused claims of a good shape: {e:?}"
            );
            return;
        }
    };
    assert!(shape_ok(&claims), "minting accepted claims of a bad shape");
    let p = &g.policy;
    let expected = claims.iss == p.issuer
        && p.audiences.contains(&claims.aud)
        && g.now < claims.exp + p.leeway
        && g.now + p.leeway >= claims.nbf.max(claims.iat)
        && claims.exp - claims.iat <= p.max_ttl
        && token.len() <= p.max_token_bytes;
    match Verifier::new(&g.public, p).verify(&token, g.now, &RustCrypto) {
        Ok(verified) => {
            assert!(expected, "verified against the policy: {claims:?}");
            assert_eq!(verified.claims(), &claims, "verification changed the claims");
            assert_eq!(verified.kid(), keys.signing_key().expect("signing key").kid());
        }
        Err(e) => assert!(!expected, "a good token was refused: {e:?} for {claims:?}"),
    }
    // One character changed anywhere: never verifies.
    let at = usize::from(c.u16()) % token.len();
    let mut tampered = token.clone().into_bytes();
    tampered[at] = B64URL[usize::from(c.u8()) % B64URL.len()];
    let tampered = String::from_utf8(tampered).expect("ASCII");
    if tampered != token {
        assert!(
            Verifier::new(&g.public, p)
                .verify(&tampered, g.now, &RustCrypto)
                .is_err(),
            "a tampered token verified: {tampered:?}"
        );
    }
}

/// The shape rules, read independently of core: bounded strings without controls, a base64url `jti` of
/// 22..=64 characters, `iat <= nbf < exp`, a lifetime within the hard maximum, a redirect of 1..=1024 bytes.
fn shape_ok(c: &Claims) -> bool {
    let text = |s: &str| !s.is_empty() && s.len() <= MAX_CLAIM_LEN && !s.chars().any(char::is_control);
    [&c.iss, &c.aud, &c.sub, &c.username, &c.azp]
        .iter()
        .all(|s| text(s))
        && (22..=64).contains(&c.jti.len())
        && c.jti
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && c.iat <= c.nbf
        && c.nbf < c.exp
        && c.exp - c.iat <= HARD_MAX_TTL_SECS
        && c.redirect
            .as_ref()
            .is_none_or(|r| (1..=MAX_REDIRECT_LEN).contains(&r.len()))
}
