//! Handoff's landing page (skeleton; the page lands with the landing-page issue).
