//! What an issued handoff token says and where it points: the claims from the caller's verified access token,
//! the configuration and the clock, and the landing URL with the token in its fragment.

use handoff_core::wire::FRAGMENT_PARAM;
use handoff_core::{AccessClaims, Claims, JTI_RANDOM_BYTES, new_jti};

use crate::config::Config;

/// The claims of a new token for the access token's user, issued at `now`.
pub fn handoff_claims(
    config: &Config,
    user: &AccessClaims,
    now: u64,
    random: [u8; JTI_RANDOM_BYTES],
    redirect: Option<String>,
) -> Claims {
    Claims {
        iss: config.issuer.clone(),
        // The first audience is the web app the landing page signs in to; the others are still accepted.
        aud: config.audiences[0].clone(),
        sub: user.sub.clone(),
        username: user.username.clone(),
        azp: user.client_id.clone(),
        iat: now,
        nbf: now,
        exp: now + config.token_ttl,
        jti: new_jti(random),
        redirect,
    }
}

/// `{WEB_ORIGIN}{LANDING_PATH}#handoff=<token>`: a fragment never reaches a server or its logs.
pub fn landing_url(config: &Config, token: &str) -> String {
    format!(
        "{}{}#{FRAGMENT_PARAM}={token}",
        config.web_origin, config.landing_path
    )
}

// Native only: the tests sign with core's pure-Rust backend, which the wasm build does not link.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::config::tests::{load, vars};
    use handoff_core::{Blocking, RustCrypto, Verifier, mint_async};

    fn user() -> AccessClaims {
        AccessClaims {
            sub: "sub-1".into(),
            username: "alice".into(),
            client_id: "mobile-client-test".into(),
            exp: 0,
        }
    }

    #[test]
    fn minted_claims_verify_under_the_configured_policy() {
        let config = load(&vars()).unwrap();
        let claims = handoff_claims(
            &config,
            &user(),
            1_767_225_600,
            [7; 16],
            Some("/orders/42".into()),
        );
        assert_eq!(
            (claims.aud.as_str(), claims.azp.as_str()),
            ("web-client-test", "mobile-client-test")
        );
        assert_eq!(claims.exp - claims.iat, config.token_ttl);
        let token = pollster(mint_async(&claims, &config.signing_keys, &Blocking(RustCrypto))).unwrap();
        let verified = Verifier::new(&config.signing_keys, &config.policy)
            .verify(&token, claims.iat + 1, &RustCrypto)
            .unwrap();
        assert_eq!(verified.claims(), &claims);
        assert_eq!(
            landing_url(&config, &token),
            format!("https://app.handoff.test/handoff#handoff={token}")
        );
    }

    fn pollster<F: std::future::Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        match future.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(out) => out,
            std::task::Poll::Pending => panic!("the blocking backend never waits"),
        }
    }
}
