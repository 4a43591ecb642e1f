//! Redirect targets: every listed attack is rejected with its exact cause; allowed paths pass unchanged.
//! Runs natively and on wasm32.

use handoff_core::{RedirectError, check_allowlist_entry, check_redirect};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const ALLOW: &[&str] = &["/orders", "/account/", "/"];
const NARROW: &[&str] = &["/orders", "/account/"];

fn narrow(target: &str) -> Result<&str, RedirectError> {
    check_redirect(target, NARROW)
}

macro_rules! cases {
    ($($name:ident: $target:expr => $want:expr;)*) => {
        $(#[test] fn $name() { assert_eq!(narrow($target), $want, "target {:?}", $target); })*
    };
}

use RedirectError::*;

cases! {
    plain_path_ok: "/orders/42" => Ok("/orders/42");
    prefix_itself_ok: "/orders" => Ok("/orders");
    query_and_fragment_ok: "/orders/42?tab=items#top" => Ok("/orders/42?tab=items#top");
    slash_terminated_prefix_ok: "/account/settings" => Ok("/account/settings");
    encoded_non_ascii_ok: "/orders/caf%C3%A9" => Ok("/orders/caf%C3%A9");
    protocol_relative: "//evil.example" => Err(NotAPath);
    protocol_relative_with_path: "//evil.example/orders" => Err(NotAPath);
    slash_backslash: "/\\evil.example" => Err(Backslash);
    backslash_later: "/orders\\..\\admin" => Err(Backslash);
    absolute_url: "https://evil.example" => Err(NotAPath);
    absolute_url_same_path: "https://evil.example/orders/42" => Err(NotAPath);
    javascript_scheme: "javascript:alert(1)" => Err(NotAPath);
    data_scheme: "data:text/html,hi" => Err(NotAPath);
    encoded_double_slash: "%2F%2Fevil.example" => Err(NotAPath);
    slash_then_encoded_slash: "/%2F%2Fevil.example" => Err(Encoding);
    encoded_backslash: "/%5Cevil.example" => Err(Encoding);
    encoded_backslash_lowercase: "/%5cevil.example" => Err(Encoding);
    encoded_dots: "/orders/%2e%2e/admin" => Err(Encoding);
    double_encoded: "/orders/%252F" => Err(Encoding);
    encoded_nul: "/orders/%00" => Err(Encoding);
    bad_escape: "/orders/%zz" => Err(Encoding);
    truncated_escape: "/orders/%2" => Err(Encoding);
    dot_dot_escaping_prefix: "/orders/../admin" => Err(DotSegment);
    dot_dot_at_root: "/../admin" => Err(DotSegment);
    single_dot: "/orders/./42" => Err(DotSegment);
    path_parameter_dot_dot: "/orders/..;/admin" => Err(PathParameter);
    path_parameter_plain: "/orders;jsessionid=x/42" => Err(PathParameter);
    path_parameter_encoded: "/orders/..%3B/admin" => Err(Encoding);
    path_parameter_encoded_lowercase: "/orders/..%3b/admin" => Err(Encoding);
    semicolon_in_query_ok: "/orders/42?a=1;b=2" => Ok("/orders/42?a=1;b=2");
    tab_inside: "/orders/\t42" => Err(Character);
    newline_inside: "/orders\n/42" => Err(Character);
    carriage_return_inside: "/orders\r\n//evil.example" => Err(Character);
    nul_inside: "/orders\0/42" => Err(Character);
    space_inside: "/orders /42" => Err(Character);
    division_slash_lookalike: "/\u{2215}evil.example" => Err(Character);
    fullwidth_slash_lookalike: "\u{ff0f}\u{ff0f}evil.example" => Err(Character);
    fraction_slash_lookalike: "/orders\u{2044}42" => Err(Character);
    fullwidth_backslash_lookalike: "/\u{ff3c}evil.example" => Err(Character);
    outside_allowlist: "/admin" => Err(NotAllowed);
    prefix_without_boundary: "/orders42" => Err(NotAllowed);
    slash_prefix_needs_its_slash: "/account" => Err(NotAllowed);
    relative_path: "orders/42" => Err(NotAPath);
    empty: "" => Err(Length);
}

#[test]
fn too_long_is_rejected() {
    let long = format!("/orders/{}", "a".repeat(2000));
    assert_eq!(narrow(&long), Err(Length));
}

#[test]
fn root_prefix_allows_every_clean_path_but_no_attack() {
    assert_eq!(check_redirect("/anything/at/all", ALLOW), Ok("/anything/at/all"));
    assert_eq!(check_redirect("//evil.example", ALLOW), Err(NotAPath));
    assert_eq!(check_redirect("/\\evil.example", ALLOW), Err(Backslash));
}

#[test]
fn empty_allowlist_allows_nothing() {
    let none: &[&str] = &[];
    assert_eq!(check_redirect("/orders", none), Err(NotAllowed));
}

#[test]
fn invalid_allowlist_entries_never_match() {
    // A misconfigured entry must not widen the allowlist.
    for entry in [
        "//evil.example",
        "/orders?x=1",
        "/orders/../",
        "https://evil.example",
    ] {
        assert!(check_allowlist_entry(entry).is_err(), "entry {entry:?}");
        assert_eq!(
            check_redirect("/orders/1", &[entry]),
            Err(NotAllowed),
            "entry {entry:?}"
        );
    }
    assert_eq!(check_allowlist_entry("/orders"), Ok(()));
}

#[test]
fn every_rejection_maps_to_bad_redirect_in_docs() {
    // The public reason for all of these is `bad_redirect`; the enum only refines logs.
    assert_eq!(handoff_core::Reason::BadRedirect.as_str(), "bad_redirect");
}
