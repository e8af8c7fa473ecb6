//! The station console as an officer's browser reaches it: a signed-in session over HTTP and
//! its pages as HTML, for tests that check what a person sees.

use crate::TestServer;

/// The password the tests set for whoever they sign in.
const PASSWORD: &str = "एक-व्यक्ति-2026";

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .build()
        .into()
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

impl TestServer {
    /// Signs `badge` in to the console over HTTP, with a password set for the test, and
    /// returns the session cookie.
    pub fn console_session(&self, badge: &str) -> String {
        let hash = mitan_server::console::session::hash_password(PASSWORD).expect("hashes");
        let now_ms = self.state.now_ms();
        self.state
            .lock_district()
            .store_mut()
            .force_console_password(&badge.parse().expect("a badge"), &hash, now_ms)
            .expect("the password is stored");
        let form = format!("badge={badge}&password={}", urlencode(PASSWORD));
        let response = agent()
            .post(&format!("{}/sign-in", self.url))
            .content_type("application/x-www-form-urlencoded")
            .send(form.as_bytes())
            .expect("the console answers");
        assert_eq!(response.status().as_u16(), 303, "signed in");
        response
            .headers()
            .get("set-cookie")
            .and_then(|value| value.to_str().ok())
            .and_then(|cookie| cookie.split(';').next())
            .expect("a session cookie")
            .to_owned()
    }

    /// A console page in `lang` (`hi` or `en`), as HTML; any answer but 200 fails the test.
    pub fn console_page(&self, session: &str, lang: &str, path: &str) -> String {
        let mut response = agent()
            .get(&format!("{}{path}", self.url))
            .header("Cookie", &format!("{session}; mitan_lang={lang}"))
            .call()
            .expect("the console answers");
        let status = response.status().as_u16();
        let html = response
            .body_mut()
            .read_to_string()
            .expect("the page reads");
        assert_eq!(status, 200, "{path}: {html}");
        html
    }
}
