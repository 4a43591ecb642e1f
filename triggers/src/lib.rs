//! Handoff's Cognito auth-challenge triggers (skeleton; the Lambda lands with the Cognito issue).
#![forbid(unsafe_code)]
