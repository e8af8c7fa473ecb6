//! vCard 3.0 (RFC 2426, escaping as RFC 6350 restates it) for a phone's contacts import.
//!
//! Text values escape backslash, comma, semicolon and newlines; lines end in CRLF and are
//! folded at 75 octets without splitting a UTF-8 character, which matters for Devanagari
//! names (three octets a letter). Each card carries the list and part as `CATEGORIES`, which
//! contacts apps import as a label to pick the group's members by.

use std::fmt::Write;

use crate::store::ExportRow;

const FOLD_AT: usize = 75;

/// Escapes a text value.
pub fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends one content line, folded, with CRLF.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let octets = c.len_utf8();
        if width + octets > FOLD_AT {
            out.push_str("\r\n ");
            // The leading space of a continuation counts towards its 75 octets.
            width = 1;
        }
        out.push(c);
        width += octets;
    }
    out.push_str("\r\n");
}

/// The cards of every member of the chosen parts.
pub fn cards(list_name: &str, parts: &[(u32, &[&ExportRow])]) -> String {
    let mut out = String::new();
    for (part, members) in parts {
        for row in *members {
            let Some(phone) = &row.phone else {
                continue;
            };
            let name = super::display_name(row);
            let name = if name.is_empty() { phone.clone() } else { name };
            line(&mut out, "BEGIN:VCARD");
            line(&mut out, "VERSION:3.0");
            line(&mut out, &format!("N:{};;;;", escape(&name)));
            line(&mut out, &format!("FN:{}", escape(&name)));
            line(&mut out, &format!("TEL;TYPE=CELL:{phone}"));
            let mut category = String::new();
            let _ = write!(category, "{list_name} part {part}");
            line(&mut out, &format!("CATEGORIES:{}", escape(&category)));
            line(
                &mut out,
                &format!("NOTE:{}", escape(&format!("Mitan {} {}", row.id, row.beat))),
            );
            line(&mut out, "END:VCARD");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_characters_are_escaped() {
        assert_eq!(
            escape("Sahu, Ramesh; a\\b\nc"),
            "Sahu\\, Ramesh\\; a\\\\b\\nc"
        );
    }

    #[test]
    fn long_devanagari_lines_fold_between_characters() {
        let mut out = String::new();
        let name = "रमेश कुमार साहू ".repeat(6);
        line(&mut out, &format!("FN:{name}"));
        for physical in out.split("\r\n").filter(|text| !text.is_empty()) {
            assert!(physical.len() <= FOLD_AT, "{} octets", physical.len());
        }
        let unfolded = out.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, format!("FN:{name}"));
    }
}
