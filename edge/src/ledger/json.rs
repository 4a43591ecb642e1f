//! The ledger's messages and its stored state as JSON, written and read by hand ([`handoff_core::json`]), byte for
//! byte as serde's derives wrote them and accepting what they accepted (the deployed objects' storage still loads);
//! the derives remain for tests only, which compare the two. Stricter than serde in three ways, none of which
//! serde itself ever writes: a repeated member name (even an ignored one, or a `jti` in `tokens`) is refused, a
//! struct written as an array (`["203.0.113.7",64500]`) is refused, and nesting beyond [`json::MAX_DEPTH`].

use std::collections::BTreeMap;

use handoff_core::json::{self, ArrayWriter, Object, ObjectWriter, ToJson, Value};

use super::{Entry, LedgerRequest, LedgerResponse, LedgerState, Limits, RedeemOutcome, Seen, TokenState};
use crate::context::{BindingPolicy, Context, req_u32, variant};

// JSON, by hand, as serde's derives wrote and read it (see the module's documentation).

/// Writes `{"name":{members}}`: a struct variant of an externally tagged enum.
fn struct_variant(out: &mut String, name: &str, members: impl FnOnce(&mut ObjectWriter<'_>)) {
    let mut outer = ObjectWriter::new(out);
    let mut inner = ObjectWriter::new(outer.member(name));
    members(&mut inner);
    inner.end();
    outer.end();
}

/// The members of a struct variant of a `deny_unknown_fields` enum: an object with none but `known`.
fn strict_members<'a>(data: &'a Value, known: &[&str]) -> Option<&'a Object> {
    let members = data.as_object()?;
    members.unknown_member(known).is_none().then_some(members)
}

/// A member that must be there, read by `read`.
fn required<T>(members: &Object, name: &str, read: impl FnOnce(&Value) -> Option<T>) -> Option<T> {
    read(members.get(name)?)
}

/// An optional context member: `Some(None)` when absent or `null`, `None` when present and not a context.
fn opt_context(members: &Object, name: &str) -> Option<Option<Context>> {
    match members.present(name) {
        None => Some(None),
        Some(value) => Context::read(value).map(Some),
    }
}

impl Limits {
    /// Writes the limits as JSON: `{"issues_per_minute":…,"max_live_tokens":…}`.
    pub fn write_json(&self, out: &mut String) {
        let mut members = ObjectWriter::new(out);
        members
            .u64("issues_per_minute", u64::from(self.issues_per_minute))
            .u64("max_live_tokens", u64::from(self.max_live_tokens));
        members.end();
    }

    /// Reads limits: both members, each at most `u32::MAX`; other members ignored.
    pub fn read(value: &Value) -> Option<Limits> {
        let members = value.as_object()?;
        Some(Limits {
            issues_per_minute: req_u32(members, "issues_per_minute")?,
            max_live_tokens: req_u32(members, "max_live_tokens")?,
        })
    }
}

impl TokenState {
    /// Writes the state as JSON: `"live"`, `{"burned":{"nonce":…}}` or `"revoked"`.
    pub fn write_json(&self, out: &mut String) {
        match self {
            TokenState::Live => json::write_str(out, "live"),
            TokenState::Burned { nonce } => struct_variant(out, "burned", |m| {
                m.str("nonce", nonce);
            }),
            TokenState::Revoked => json::write_str(out, "revoked"),
        }
    }

    /// Reads a state as [`TokenState::write_json`] writes it (a burn's other members ignored).
    pub fn read(value: &Value) -> Option<TokenState> {
        match variant(value)? {
            ("live", Value::Null) => Some(TokenState::Live),
            ("burned", data) => Some(TokenState::Burned {
                nonce: data.as_object()?.req_str("nonce").ok()?,
            }),
            ("revoked", Value::Null) => Some(TokenState::Revoked),
            _ => None,
        }
    }
}

impl Entry {
    /// Writes the entry as JSON: `{"exp":…,"state":…,"context":…}`, `context` only when recorded.
    pub fn write_json(&self, out: &mut String) {
        let mut members = ObjectWriter::new(out);
        members.u64("exp", self.exp);
        self.state.write_json(members.member("state"));
        if let Some(context) = &self.context {
            context.write_json(members.member("context"));
        }
        members.end();
    }

    /// Reads an entry: `exp` and `state` required, `context` absent or `null` when none; others ignored.
    pub fn read(value: &Value) -> Option<Entry> {
        let members = value.as_object()?;
        Some(Entry {
            exp: members.req_u64("exp").ok()?,
            state: required(members, "state", TokenState::read)?,
            context: opt_context(members, "context")?,
        })
    }
}

impl Seen {
    /// Writes it as JSON: `"not_required"`, `"missing"` or `{"context":[{context},"policy"]}`.
    pub fn write_json(&self, out: &mut String) {
        match self {
            Seen::NotRequired => json::write_str(out, "not_required"),
            Seen::Missing => json::write_str(out, "missing"),
            Seen::Context(context, policy) => {
                let mut outer = ObjectWriter::new(out);
                let mut items = ArrayWriter::new(outer.member("context"));
                context.write_json(items.item());
                policy.write_json(items.item());
                items.end();
                outer.end();
            }
        }
    }

    /// Reads it as [`Seen::write_json`] writes it (the context variant: an array of exactly two items).
    pub fn read(value: &Value) -> Option<Seen> {
        match variant(value)? {
            ("not_required", Value::Null) => Some(Seen::NotRequired),
            ("missing", Value::Null) => Some(Seen::Missing),
            ("context", Value::Array(items)) => match items.as_slice() {
                [context, policy] => Some(Seen::Context(
                    Context::read(context)?,
                    BindingPolicy::read(policy)?,
                )),
                _ => None,
            },
            _ => None,
        }
    }
}

impl ToJson for LedgerState {
    /// The ledger as stored: `{"tokens":{jti:entry,…},"issued":[…]}`, tokens in `jti` order.
    fn write_json(&self, out: &mut String) {
        let mut members = ObjectWriter::new(out);
        let mut tokens = ObjectWriter::new(members.member("tokens"));
        for (jti, entry) in &self.tokens {
            entry.write_json(tokens.member(jti));
        }
        tokens.end();
        let mut issued = ArrayWriter::new(members.member("issued"));
        for &at in &self.issued {
            json::write_u64(issued.item(), at);
        }
        issued.end();
        members.end();
    }
}

impl LedgerState {
    /// Reads a stored ledger (see [`LedgerState::read`]).
    pub fn from_json(text: &str) -> Option<LedgerState> {
        LedgerState::read(&json::parse(text).ok()?)
    }

    /// Reads a ledger: `tokens` an object of entries and `issued` an array of times, both required; other
    /// members ignored.
    pub fn read(value: &Value) -> Option<LedgerState> {
        let members = value.as_object()?;
        let mut tokens = BTreeMap::new();
        for (jti, entry) in members.req_object("tokens").ok()?.iter() {
            tokens.insert(jti.to_owned(), Entry::read(entry)?);
        }
        let Some(Value::Array(times)) = members.get("issued") else {
            return None;
        };
        let issued = times.iter().map(Value::as_u64).collect::<Option<Vec<u64>>>()?;
        Some(LedgerState { tokens, issued })
    }
}

impl ToJson for LedgerRequest {
    /// The request as sent: `{"issue":{…}}`, `{"redeem":{…}}`, `{"check_context":{…}}` or `{"revoke":{…}}`;
    /// members in declaration order, an issue's `context` only when there is one, a redeem's `seen` always.
    fn write_json(&self, out: &mut String) {
        match self {
            LedgerRequest::Issue {
                jti,
                exp,
                now,
                limits,
                context,
            } => struct_variant(out, "issue", |m| {
                m.str("jti", jti).u64("exp", *exp).u64("now", *now);
                limits.write_json(m.member("limits"));
                if let Some(context) = context {
                    context.write_json(m.member("context"));
                }
            }),
            LedgerRequest::Redeem {
                jti,
                nonce,
                now,
                seen,
            } => struct_variant(out, "redeem", |m| {
                m.str("jti", jti).str("nonce", nonce).u64("now", *now);
                seen.write_json(m.member("seen"));
            }),
            LedgerRequest::CheckContext { jti, seen, policy } => struct_variant(out, "check_context", |m| {
                m.str("jti", jti);
                seen.write_json(m.member("seen"));
                policy.write_json(m.member("policy"));
            }),
            LedgerRequest::Revoke { now } => struct_variant(out, "revoke", |m| {
                m.u64("now", *now);
            }),
        }
    }
}

impl LedgerRequest {
    /// Reads a request as received (see [`LedgerRequest::read`]).
    pub fn from_json(text: &str) -> Option<LedgerRequest> {
        LedgerRequest::read(&json::parse(text).ok()?)
    }

    /// Reads a request: one variant, its members and no others; an issue's `context` absent or `null` when
    /// none, a redeem's `seen` absent when not required.
    pub fn read(value: &Value) -> Option<LedgerRequest> {
        let (name, data) = variant(value)?;
        match name {
            "issue" => LedgerRequest::read_issue(data),
            "redeem" => LedgerRequest::read_redeem(data),
            "check_context" => LedgerRequest::read_check_context(data),
            "revoke" => Some(LedgerRequest::Revoke {
                now: strict_members(data, &["now"])?.req_u64("now").ok()?,
            }),
            _ => None,
        }
    }

    /// The members of an issue: exactly its own.
    fn read_issue(data: &Value) -> Option<LedgerRequest> {
        let members = strict_members(data, &["jti", "exp", "now", "limits", "context"])?;
        Some(LedgerRequest::Issue {
            jti: members.req_str("jti").ok()?,
            exp: members.req_u64("exp").ok()?,
            now: members.req_u64("now").ok()?,
            limits: required(members, "limits", Limits::read)?,
            context: opt_context(members, "context")?,
        })
    }

    /// The members of a redeem: exactly its own.
    fn read_redeem(data: &Value) -> Option<LedgerRequest> {
        let members = strict_members(data, &["jti", "nonce", "now", "seen"])?;
        Some(LedgerRequest::Redeem {
            jti: members.req_str("jti").ok()?,
            nonce: members.req_str("nonce").ok()?,
            now: members.req_u64("now").ok()?,
            seen: match members.get("seen") {
                None => Seen::NotRequired,
                Some(seen) => Seen::read(seen)?,
            },
        })
    }

    /// The members of a context check: exactly its own.
    fn read_check_context(data: &Value) -> Option<LedgerRequest> {
        let members = strict_members(data, &["jti", "seen", "policy"])?;
        Some(LedgerRequest::CheckContext {
            jti: members.req_str("jti").ok()?,
            seen: required(members, "seen", Context::read)?,
            policy: required(members, "policy", BindingPolicy::read)?,
        })
    }
}

impl ToJson for LedgerResponse {
    /// The answer as sent: `"recorded"`, `{"rate_limited":{"retry_after":…}}`, `"duplicate"`,
    /// `{"redeem":{"result":…}}`, `{"revoked":{"count":…}}` or `{"context":{"same":true|false|null}}`.
    fn write_json(&self, out: &mut String) {
        match self {
            LedgerResponse::Recorded => json::write_str(out, "recorded"),
            LedgerResponse::RateLimited { retry_after } => struct_variant(out, "rate_limited", |m| {
                m.u64("retry_after", *retry_after);
            }),
            LedgerResponse::Duplicate => json::write_str(out, "duplicate"),
            LedgerResponse::Redeem { result } => struct_variant(out, "redeem", |m| {
                json::write_str(m.member("result"), result.name());
            }),
            LedgerResponse::Revoked { count } => struct_variant(out, "revoked", |m| {
                m.u64("count", u64::from(*count));
            }),
            LedgerResponse::Context { same } => struct_variant(out, "context", |m| match same {
                Some(same) => {
                    m.bool("same", *same);
                }
                None => {
                    m.null("same");
                }
            }),
        }
    }
}

impl LedgerResponse {
    /// Reads an answer as received (see [`LedgerResponse::read`]).
    pub fn from_json(text: &str) -> Option<LedgerResponse> {
        LedgerResponse::read(&json::parse(text).ok()?)
    }

    /// Reads an answer: one variant, its members and no others (`same` absent or `null` when none).
    pub fn read(value: &Value) -> Option<LedgerResponse> {
        match variant(value)? {
            ("recorded", Value::Null) => Some(LedgerResponse::Recorded),
            ("rate_limited", data) => Some(LedgerResponse::RateLimited {
                retry_after: strict_members(data, &["retry_after"])?
                    .req_u64("retry_after")
                    .ok()?,
            }),
            ("duplicate", Value::Null) => Some(LedgerResponse::Duplicate),
            ("redeem", data) => Some(LedgerResponse::Redeem {
                result: required(strict_members(data, &["result"])?, "result", RedeemOutcome::read)?,
            }),
            ("revoked", data) => Some(LedgerResponse::Revoked {
                count: req_u32(strict_members(data, &["count"])?, "count")?,
            }),
            ("context", data) => Some(LedgerResponse::Context {
                same: match strict_members(data, &["same"])?.present("same") {
                    None => None,
                    Some(Value::Bool(same)) => Some(*same),
                    Some(_) => return None,
                },
            }),
            _ => None,
        }
    }
}

impl RedeemOutcome {
    /// The outcome's name in JSON (serde's snake_case unit variant).
    fn name(self) -> &'static str {
        match self {
            RedeemOutcome::Burned => "burned",
            RedeemOutcome::Repeated => "repeated",
            RedeemOutcome::Replayed => "replayed",
            RedeemOutcome::Revoked => "revoked",
            RedeemOutcome::Expired => "expired",
            RedeemOutcome::Unknown => "unknown",
            RedeemOutcome::WrongContext => "wrong_context",
            RedeemOutcome::MissingBinding => "missing_binding",
        }
    }

    /// Reads an outcome as serde reads a unit variant: `"burned"`, or `{"burned":null}`.
    pub fn read(value: &Value) -> Option<RedeemOutcome> {
        let (name, Value::Null) = variant(value)? else {
            return None;
        };
        [
            RedeemOutcome::Burned,
            RedeemOutcome::Repeated,
            RedeemOutcome::Replayed,
            RedeemOutcome::Revoked,
            RedeemOutcome::Expired,
            RedeemOutcome::Unknown,
            RedeemOutcome::WrongContext,
            RedeemOutcome::MissingBinding,
        ]
        .into_iter()
        .find(|outcome| outcome.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::super::nonce_digest;
    use super::super::tests::{LIMITS, NOW, jti};
    use super::*;
    use crate::context::tests::{agrees, odd_strings, reads_as_serde, refused, stricter};

    #[test]
    fn ledger_messages_round_trip_as_json() {
        let request = LedgerRequest::Redeem {
            jti: jti(1),
            nonce: nonce_digest("n"),
            now: NOW,
            seen: Seen::Context(
                Context {
                    ip: "203.0.113.7".into(),
                    asn: Some(64500),
                },
                BindingPolicy::Asn,
            ),
        };
        let text = serde_json::to_string(&request).unwrap();
        assert!(text.starts_with("{\"redeem\":{"), "{text}");
        assert_eq!(serde_json::from_str::<LedgerRequest>(&text).unwrap(), request);
        let response = LedgerResponse::Redeem {
            result: RedeemOutcome::Replayed,
        };
        let text = serde_json::to_string(&response).unwrap();
        assert_eq!(serde_json::from_str::<LedgerResponse>(&text).unwrap(), response);
        let mut ledger = LedgerState::default();
        ledger.issue(&jti(1), NOW + 60, NOW, LIMITS).unwrap();
        ledger.redeem(&jti(1), &nonce_digest("n"), NOW);
        let stored = serde_json::to_string(&ledger).unwrap();
        assert!(!stored.contains("\"n\""), "the nonce itself is never stored");
        assert_eq!(serde_json::from_str::<LedgerState>(&stored).unwrap(), ledger);
    }

    #[test]
    fn ledger_messages_round_trip_as_hand_written_json() {
        let request = LedgerRequest::Redeem {
            jti: jti(1),
            nonce: nonce_digest("n"),
            now: NOW,
            seen: Seen::Context(
                Context {
                    ip: "203.0.113.7".into(),
                    asn: Some(64500),
                },
                BindingPolicy::Asn,
            ),
        };
        let text = request.to_json();
        assert!(text.starts_with("{\"redeem\":{"), "{text}");
        assert_eq!(LedgerRequest::from_json(&text), Some(request));
        let response = LedgerResponse::Redeem {
            result: RedeemOutcome::Replayed,
        };
        assert_eq!(LedgerResponse::from_json(&response.to_json()), Some(response));
        let mut ledger = LedgerState::default();
        ledger.issue(&jti(1), NOW + 60, NOW, LIMITS).unwrap();
        ledger.redeem(&jti(1), &nonce_digest("n"), NOW);
        let stored = ledger.to_json();
        assert!(!stored.contains("\"n\""), "the nonce itself is never stored");
        assert_eq!(LedgerState::from_json(&stored), Some(ledger));
    }

    /// A ledger as the serde version stored it, byte for byte (a deployed object's storage).
    const STORED_BY_SERDE: &str = concat!(
        r#"{"tokens":{"jti-0001":{"exp":1767225660,"state":{"burned":{"nonce":"ba78"}},"#,
        r#""context":{"ip":"203.0.113.7","asn":64500}},"jti-0002":{"exp":1767225660,"state":"live"},"#,
        r#""jti-0003":{"exp":18446744073709551615,"state":"revoked","context":{"ip":"2001:db8:1:2::/64"}}},"#,
        r#""issued":[1767225600,1767225601]}"#
    );

    #[test]
    fn a_ledger_stored_by_the_serde_version_loads_and_is_stored_again_byte_for_byte() {
        let ledger = LedgerState::from_json(STORED_BY_SERDE).unwrap();
        assert_eq!(
            serde_json::from_str::<LedgerState>(STORED_BY_SERDE).unwrap(),
            ledger
        );
        assert_eq!(ledger.tokens.len(), 3);
        assert_eq!(ledger.to_json(), STORED_BY_SERDE);
    }

    fn contexts() -> Vec<Context> {
        let mut contexts = Vec::new();
        for ip in odd_strings() {
            for asn in [None, Some(0), Some(u32::MAX)] {
                contexts.push(Context { ip: ip.clone(), asn });
            }
        }
        contexts
    }

    const POLICIES: [BindingPolicy; 3] = [BindingPolicy::Off, BindingPolicy::Asn, BindingPolicy::Ip];

    const OUTCOMES: [RedeemOutcome; 8] = [
        RedeemOutcome::Burned,
        RedeemOutcome::Repeated,
        RedeemOutcome::Replayed,
        RedeemOutcome::Revoked,
        RedeemOutcome::Expired,
        RedeemOutcome::Unknown,
        RedeemOutcome::WrongContext,
        RedeemOutcome::MissingBinding,
    ];

    fn token_states() -> Vec<TokenState> {
        let burned = odd_strings()
            .into_iter()
            .map(|nonce| TokenState::Burned { nonce });
        [TokenState::Live, TokenState::Revoked]
            .into_iter()
            .chain(burned)
            .collect()
    }

    fn seens() -> Vec<Seen> {
        let mut seens = vec![Seen::NotRequired, Seen::Missing];
        for context in contexts() {
            seens.extend(POLICIES.map(|policy| Seen::Context(context.clone(), policy)));
        }
        seens
    }

    fn entries() -> Vec<Entry> {
        let mut entries = Vec::new();
        for state in token_states() {
            for context in [None, Some(contexts()[4].clone())] {
                for exp in [0, NOW, u64::MAX] {
                    entries.push(Entry {
                        exp,
                        state: state.clone(),
                        context: context.clone(),
                    });
                }
            }
        }
        entries
    }

    fn states() -> Vec<LedgerState> {
        let mut many = LedgerState {
            tokens: BTreeMap::new(),
            issued: vec![0, NOW, u64::MAX],
        };
        // Inserted out of order, names that sort and escape oddly: written in the map's (byte) order.
        for (name, entry) in odd_strings()
            .into_iter()
            .rev()
            .chain(["Z".into(), "a".into()])
            .zip(entries())
        {
            many.tokens.insert(name, entry);
        }
        let one = LedgerState {
            tokens: BTreeMap::from([(jti(1), entries()[0].clone())]),
            issued: Vec::new(),
        };
        let times_only = LedgerState {
            tokens: BTreeMap::new(),
            issued: vec![NOW],
        };
        vec![LedgerState::default(), one, times_only, many]
    }

    fn requests() -> Vec<LedgerRequest> {
        let mut requests = Vec::new();
        let limits = [
            LIMITS,
            Limits {
                issues_per_minute: 0,
                max_live_tokens: u32::MAX,
            },
        ];
        for (i, name) in odd_strings().into_iter().enumerate() {
            for context in [None, Some(contexts()[i].clone())] {
                requests.push(LedgerRequest::Issue {
                    jti: name.clone(),
                    exp: u64::MAX,
                    now: NOW,
                    limits: limits[i % 2],
                    context,
                });
            }
            requests.push(LedgerRequest::CheckContext {
                jti: name.clone(),
                seen: contexts()[i].clone(),
                policy: POLICIES[i % 3],
            });
        }
        for seen in seens() {
            requests.push(LedgerRequest::Redeem {
                jti: jti(1),
                nonce: "n\"\\\u{1}é".into(),
                now: 0,
                seen,
            });
        }
        requests.extend([0, u64::MAX].map(|now| LedgerRequest::Revoke { now }));
        requests
    }

    fn responses() -> Vec<LedgerResponse> {
        let mut responses = vec![LedgerResponse::Recorded, LedgerResponse::Duplicate];
        responses.extend([0, 1, u64::MAX].map(|retry_after| LedgerResponse::RateLimited { retry_after }));
        responses.extend(OUTCOMES.map(|result| LedgerResponse::Redeem { result }));
        responses.extend([0, u32::MAX].map(|count| LedgerResponse::Revoked { count }));
        responses.extend([Some(true), Some(false), None].map(|same| LedgerResponse::Context { same }));
        responses
    }

    #[test]
    fn every_variant_is_written_byte_for_byte_as_serde_wrote_it_and_read_back() {
        for limits in [
            LIMITS,
            Limits {
                issues_per_minute: 0,
                max_live_tokens: 0,
            },
            Limits {
                issues_per_minute: u32::MAX,
                max_live_tokens: u32::MAX,
            },
        ] {
            agrees(&limits, Limits::write_json, Limits::read);
        }
        for state in token_states() {
            agrees(&state, TokenState::write_json, TokenState::read);
        }
        for entry in entries() {
            agrees(&entry, Entry::write_json, Entry::read);
        }
        for seen in seens() {
            agrees(&seen, Seen::write_json, Seen::read);
        }
        for outcome in OUTCOMES {
            agrees(
                &outcome,
                |o, out| json::write_str(out, o.name()),
                RedeemOutcome::read,
            );
        }
        for ledger in states() {
            agrees(&ledger, |l, out| out.push_str(&l.to_json()), LedgerState::read);
            assert_eq!(LedgerState::from_json(&ledger.to_json()), Some(ledger));
        }
        for request in requests() {
            agrees(&request, LedgerRequest::write_json, LedgerRequest::read);
            assert_eq!(LedgerRequest::from_json(&request.to_json()), Some(request));
        }
        for response in responses() {
            agrees(&response, LedgerResponse::write_json, LedgerResponse::read);
            assert_eq!(LedgerResponse::from_json(&response.to_json()), Some(response));
        }
    }

    #[test]
    fn the_readers_accept_what_serde_accepts_beyond_what_is_written() {
        // A redeem without `seen` (`#[serde(default)]`), optional members as `null`, blanks, any member order.
        reads_as_serde::<LedgerRequest>(
            r#"{"redeem":{"jti":"j","nonce":"n","now":1}}"#,
            LedgerRequest::read,
        );
        let issue = r#"{"issue":{"context":null,"now":2,"limits":{"max_live_tokens":1,"issues_per_minute":2},"exp":3,"jti":"j"}}"#;
        reads_as_serde::<LedgerRequest>(issue, LedgerRequest::read);
        reads_as_serde::<LedgerRequest>(" {\n\"revoke\" : { \"now\" : 7 } }\t", LedgerRequest::read);
        reads_as_serde::<LedgerResponse>(r#"{"context":{}}"#, LedgerResponse::read);
        // A unit variant as `{"name":null}`.
        reads_as_serde::<LedgerResponse>(r#"{"recorded":null}"#, LedgerResponse::read);
        reads_as_serde::<LedgerResponse>(
            r#"{"redeem":{"result":{"wrong_context":null}}}"#,
            LedgerResponse::read,
        );
        reads_as_serde::<LedgerRequest>(
            r#"{"redeem":{"jti":"j","nonce":"n","now":1,"seen":{"missing":null}}}"#,
            LedgerRequest::read,
        );
        reads_as_serde::<Seen>(r#"{"context":[{"ip":"a"},{"ip":null}]}"#, Seen::read);
        // Members of types without `deny_unknown_fields` that this code does not know: ignored.
        reads_as_serde::<LedgerState>(
            r#"{"v":2,"tokens":{"j":{"exp":1,"state":{"live":null},"context":null,"x":[{}]}},"issued":[]}"#,
            LedgerState::read,
        );
        reads_as_serde::<Entry>(
            r#"{"exp":1,"state":{"burned":{"nonce":"d","at":5}}}"#,
            Entry::read,
        );
        reads_as_serde::<Limits>(
            r#"{"issues_per_minute":1,"max_live_tokens":2,"burst":3}"#,
            Limits::read,
        );
        reads_as_serde::<LedgerRequest>(
            r#"{"check_context":{"jti":"j","seen":{"ip":"a","cc":"NZ"},"policy":"ip"}}"#,
            LedgerRequest::read,
        );
    }

    #[test]
    fn the_readers_refuse_what_serde_refuses() {
        let req = LedgerRequest::read;
        let resp = LedgerResponse::read;
        // Unknown members in a `deny_unknown_fields` enum's variants.
        refused::<LedgerRequest>(r#"{"revoke":{"now":1,"x":1}}"#, req, "unknown field `x`");
        refused::<LedgerRequest>(
            r#"{"issue":{"jti":"j","exp":1,"now":1,"limits":{"issues_per_minute":1,"max_live_tokens":1},"ttl":1}}"#,
            req,
            "unknown field `ttl`",
        );
        refused::<LedgerRequest>(
            r#"{"redeem":{"jti":"j","nonce":"n","now":1,"context":null}}"#,
            req,
            "unknown field `context`",
        );
        refused::<LedgerRequest>(
            r#"{"check_context":{"jti":"j","seen":{"ip":"a"},"policy":"ip","now":1}}"#,
            req,
            "unknown field `now`",
        );
        refused::<LedgerResponse>(
            r#"{"rate_limited":{"retry_after":1,"at":2}}"#,
            resp,
            "unknown field `at`",
        );
        refused::<LedgerResponse>(
            r#"{"redeem":{"result":"burned","x":null}}"#,
            resp,
            "unknown field `x`",
        );
        refused::<LedgerResponse>(r#"{"revoked":{"count":1,"x":1}}"#, resp, "unknown field `x`");
        refused::<LedgerResponse>(r#"{"context":{"same":true,"x":1}}"#, resp, "unknown field `x`");
        // Unknown variants, and a variant of another enum.
        refused::<LedgerRequest>(r#"{"burn":{"now":1}}"#, req, "unknown variant `burn`");
        refused::<LedgerRequest>(r#""recorded""#, req, "unknown variant `recorded`");
        refused::<LedgerResponse>(r#""live""#, resp, "unknown variant `live`");
        refused::<LedgerResponse>(r#""Recorded""#, resp, "unknown variant `Recorded`");
        refused::<LedgerResponse>(r#"{"redeem":{"result":"lost"}}"#, resp, "unknown variant `lost`");
        refused::<TokenState>(r#""burnt""#, TokenState::read, "unknown variant `burnt`");
        refused::<Seen>(r#""required""#, Seen::read, "unknown variant `required`");
        // An enum as an object of two members, or none, or as another kind of value.
        refused::<LedgerRequest>(r#"{"revoke":{"now":1},"redeem":{}}"#, req, "expected value");
        refused::<LedgerResponse>(r#"{"recorded":null,"duplicate":null}"#, resp, "expected value");
        refused::<LedgerResponse>("{}", resp, "expected value");
        refused::<LedgerResponse>("null", resp, "expected value");
        refused::<LedgerResponse>(r#"["recorded"]"#, resp, "expected value");
        refused::<TokenState>("1", TokenState::read, "expected value");
        // A unit variant with data; a variant with data as a bare name or with `null`.
        refused::<LedgerResponse>(r#"{"recorded":{}}"#, resp, "expected unit");
        refused::<TokenState>(r#"{"live":"x"}"#, TokenState::read, "expected unit");
        refused::<LedgerRequest>(r#""revoke""#, req, "expected struct variant");
        refused::<LedgerRequest>(r#"{"revoke":null}"#, req, "expected struct variant");
        refused::<TokenState>(r#""burned""#, TokenState::read, "expected struct variant");
        refused::<Seen>(r#""context""#, Seen::read, "expected tuple variant");
        refused::<Seen>(r#"{"context":null}"#, Seen::read, "expected tuple variant");
        // A tuple variant of the wrong length.
        refused::<Seen>(r#"{"context":[{"ip":"a"}]}"#, Seen::read, "invalid length 1");
        refused::<Seen>(
            r#"{"context":[{"ip":"a"},"ip","ip"]}"#,
            Seen::read,
            "trailing characters",
        );
        refused::<Seen>(r#"{"context":[]}"#, Seen::read, "invalid length 0");
        refused::<Seen>(r#"{"context":["ip",{"ip":"a"}]}"#, Seen::read, "invalid type");
        // Wrong types.
        refused::<LedgerRequest>(r#"{"revoke":{"now":"1"}}"#, req, "invalid type: string");
        refused::<LedgerRequest>(r#"{"revoke":{"now":1.0}}"#, req, "invalid type: floating point");
        refused::<LedgerRequest>(r#"{"revoke":{"now":-1}}"#, req, "invalid value: integer `-1`");
        refused::<LedgerRequest>(r#"{"revoke":{"now":18446744073709551616}}"#, req, "invalid type");
        refused::<LedgerRequest>(r#"{"revoke":{"now":null}}"#, req, "invalid type: null");
        refused::<LedgerRequest>(
            r#"{"redeem":{"jti":1,"nonce":"n","now":1}}"#,
            req,
            "invalid type: integer",
        );
        refused::<LedgerRequest>(
            r#"{"redeem":{"jti":"j","nonce":"n","now":1,"seen":null}}"#,
            req,
            "expected value",
        );
        refused::<LedgerResponse>(r#"{"context":{"same":1}}"#, resp, "invalid type: integer");
        refused::<LedgerResponse>(r#"{"context":{"same":"true"}}"#, resp, "invalid type: string");
        refused::<LedgerResponse>(r#"{"redeem":{"result":null}}"#, resp, "expected value");
        refused::<LedgerState>(
            r#"{"tokens":[],"issued":[]}"#,
            LedgerState::read,
            "invalid type: sequence",
        );
        refused::<LedgerState>(
            r#"{"tokens":{},"issued":{}}"#,
            LedgerState::read,
            "invalid type: map",
        );
        refused::<LedgerState>(
            r#"{"tokens":{},"issued":[1,"2"]}"#,
            LedgerState::read,
            "invalid type: string",
        );
        refused::<LedgerState>(
            r#"{"tokens":{"j":null},"issued":[]}"#,
            LedgerState::read,
            "invalid type: null",
        );
        refused::<Entry>(
            r#"{"exp":1,"state":"live","context":{"asn":1}}"#,
            Entry::read,
            "missing field `ip`",
        );
        refused::<Entry>(
            r#"{"exp":1,"state":{"burned":{}}}"#,
            Entry::read,
            "missing field `nonce`",
        );
        // Missing required members.
        refused::<LedgerRequest>(r#"{"revoke":{}}"#, req, "missing field `now`");
        refused::<LedgerRequest>(r#"{"redeem":{"jti":"j","now":1}}"#, req, "missing field `nonce`");
        refused::<LedgerRequest>(
            r#"{"issue":{"jti":"j","exp":1,"now":1}}"#,
            req,
            "missing field `limits`",
        );
        refused::<LedgerRequest>(
            r#"{"check_context":{"jti":"j","seen":{"ip":"a"}}}"#,
            req,
            "missing field `policy`",
        );
        refused::<LedgerResponse>(r#"{"redeem":{}}"#, resp, "missing field `result`");
        refused::<LedgerResponse>(r#"{"revoked":{}}"#, resp, "missing field `count`");
        refused::<LedgerState>(r#"{"tokens":{}}"#, LedgerState::read, "missing field `issued`");
        refused::<LedgerState>(r#"{"issued":[]}"#, LedgerState::read, "missing field `tokens`");
        refused::<Entry>(r#"{"exp":1}"#, Entry::read, "missing field `state`");
        refused::<Limits>(
            r#"{"issues_per_minute":1}"#,
            Limits::read,
            "missing field `max_live_tokens`",
        );
        // `u32` members above `u32::MAX`.
        refused::<LedgerResponse>(r#"{"revoked":{"count":4294967296}}"#, resp, "expected u32");
        refused::<Limits>(
            r#"{"issues_per_minute":4294967296,"max_live_tokens":1}"#,
            Limits::read,
            "expected u32",
        );
        refused::<LedgerRequest>(
            r#"{"check_context":{"jti":"j","seen":{"ip":"a","asn":4294967296},"policy":"asn"}}"#,
            req,
            "expected u32",
        );
        refused::<Seen>(
            r#"{"context":[{"ip":"a","asn":4294967296},"asn"]}"#,
            Seen::read,
            "expected u32",
        );
    }

    #[test]
    fn the_readers_are_stricter_than_serde_only_where_documented() {
        // A struct, or a struct variant, as an array.
        stricter::<Limits>("[1,2]", Limits::read);
        stricter::<LedgerRequest>(r#"{"revoke":[1]}"#, LedgerRequest::read);
        stricter::<LedgerState>("[{},[]]", LedgerState::read);
        // A repeated name: an ignored member, or a `jti` (serde keeps the last entry).
        stricter::<Limits>(
            r#"{"issues_per_minute":1,"max_live_tokens":2,"x":1,"x":2}"#,
            Limits::read,
        );
        let twice =
            r#"{"tokens":{"j":{"exp":1,"state":"live"},"j":{"exp":2,"state":"revoked"}},"issued":[]}"#;
        stricter::<LedgerState>(twice, LedgerState::read);
        assert_eq!(
            serde_json::from_str::<LedgerState>(twice).unwrap().tokens["j"].exp,
            2
        );
        // Nesting beyond the reader's limit in an ignored member.
        let deep = format!(
            r#"{{"tokens":{{}},"issued":[],"x":{}{}}}"#,
            "[".repeat(json::MAX_DEPTH),
            "]".repeat(json::MAX_DEPTH)
        );
        stricter::<LedgerState>(&deep, LedgerState::read);
        // A known member twice: serde refuses it as a duplicate field, the reader as a repeated name.
        let duplicate = r#"{"revoke":{"now":1,"now":2}}"#;
        let serde = serde_json::from_str::<LedgerRequest>(duplicate)
            .unwrap_err()
            .to_string();
        assert!(serde.contains("duplicate field `now`"), "{serde}");
        assert_eq!(
            json::parse(duplicate).map_err(|e| e.what),
            Err("repeated member name")
        );
    }

    /// Property tests, native only (proptest is not a wasm32 dependency).
    #[cfg(not(target_arch = "wasm32"))]
    mod property {
        use proptest::prelude::*;

        use super::*;

        fn any_context() -> impl Strategy<Value = Context> {
            (any::<String>(), any::<Option<u32>>()).prop_map(|(ip, asn)| Context { ip, asn })
        }

        fn any_request() -> impl Strategy<Value = LedgerRequest> {
            let seen = prop_oneof![
                Just(Seen::NotRequired),
                Just(Seen::Missing),
                (any_context(), proptest::sample::select(POLICIES.to_vec()))
                    .prop_map(|(context, policy)| Seen::Context(context, policy)),
            ];
            prop_oneof![
                (
                    any::<String>(),
                    any::<u64>(),
                    any::<u64>(),
                    any::<(u32, u32)>(),
                    proptest::option::of(any_context())
                )
                    .prop_map(|(jti, exp, now, (a, b), context)| LedgerRequest::Issue {
                        jti,
                        exp,
                        now,
                        limits: Limits {
                            issues_per_minute: a,
                            max_live_tokens: b,
                        },
                        context,
                    }),
                (any::<String>(), any::<String>(), any::<u64>(), seen).prop_map(|(jti, nonce, now, seen)| {
                    LedgerRequest::Redeem {
                        jti,
                        nonce,
                        now,
                        seen,
                    }
                }),
                any::<u64>().prop_map(|now| LedgerRequest::Revoke { now }),
            ]
        }

        fn any_ledger() -> impl Strategy<Value = LedgerState> {
            let state = prop_oneof![
                Just(TokenState::Live),
                Just(TokenState::Revoked),
                any::<String>().prop_map(|nonce| TokenState::Burned { nonce }),
            ];
            let entry = (any::<u64>(), state, proptest::option::of(any_context()))
                .prop_map(|(exp, state, context)| Entry { exp, state, context });
            (
                proptest::collection::btree_map(any::<String>(), entry, 0..6),
                proptest::collection::vec(any::<u64>(), 0..6),
            )
                .prop_map(|(tokens, issued)| LedgerState { tokens, issued })
        }

        proptest! {
            #[test]
            fn any_request_and_any_ledger_are_written_as_serde_writes_them_and_read_back(
                request in any_request(),
                ledger in any_ledger(),
            ) {
                agrees(&request, LedgerRequest::write_json, LedgerRequest::read);
                agrees(&ledger, |l, out| out.push_str(&l.to_json()), LedgerState::read);
            }
        }
    }
}
