//! The same enrolment written the ways the other systems carry it: a JSON record (the bytes
//! floor and the SQLite floor's rows), the same record without its personal fields (the
//! sealed floor's clear part) and an OpenRosa XML instance (the ODK baseline).

use crate::workload::Enrolment;

/// The form ID the ODK baseline's XForm would declare.
pub const ODK_FORM_ID: &str = "mitan_enrolment";

/// The enrolment as a JSON object with every field a phone records.
pub fn json(enrolment: &Enrolment, badge: &str) -> serde_json::Value {
    let form = &enrolment.form;
    serde_json::json!({
        "id": enrolment.id.to_string(),
        "name_deva": form.name_devanagari,
        "name_latin": form.name_latin,
        "phone": form.phone,
        "gender": form.gender,
        "age": form.age_years,
        "village": form.village_lgd,
        "household": form.household,
        "beat": form.beat,
        "station": form.station,
        "programmes": form.programmes,
        "consent": {
            "given": form.consent_given,
            "language": form.consent_language,
            "notice_version": form.consent_notice_version,
        },
        "enrolled_by": badge,
        "device_clock_ms": enrolment.clock_ms,
    })
}

/// The keys of [`json`] that hold personal fields, the fields a Mitan phone seals
/// (`Personal::together`): the names, the phone number and the household. The drive's forms
/// have no guardian (every volunteer is an adult), so [`json`] carries no guardian keys.
pub const PERSONAL_KEYS: [&str; 4] = ["name_deva", "name_latin", "phone", "household"];

/// The enrolment as [`json`] writes it, without the fields of [`PERSONAL_KEYS`]: what the
/// sealed floor carries in the clear.
pub fn public_json(enrolment: &Enrolment, badge: &str) -> serde_json::Value {
    let mut record = json(enrolment, badge);
    if let Some(object) = record.as_object_mut() {
        for key in PERSONAL_KEYS {
            object.remove(key);
        }
    }
    record
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The enrolment as the XML instance ODK Collect submits for an XForm with the same fields.
pub fn openrosa_instance(enrolment: &Enrolment, badge: &str) -> String {
    let form = &enrolment.form;
    format!(
        "<?xml version='1.0' ?><data id=\"{ODK_FORM_ID}\" version=\"2026112401\" \
         xmlns:jr=\"http://openrosa.org/javarosa\" xmlns:orx=\"http://openrosa.org/xforms\">\
         <name_deva>{}</name_deva><name_latin>{}</name_latin><phone>{}</phone>\
         <gender>{}</gender><age>{}</age><village>{}</village><household>{}</household>\
         <beat>{}</beat><station>{}</station><programmes>{}</programmes>\
         <consent_given>{}</consent_given><consent_language>{}</consent_language>\
         <consent_notice_version>{}</consent_notice_version><enrolled_by>{}</enrolled_by>\
         <start>{}</start><meta><instanceID>uuid:{}</instanceID></meta></data>",
        xml_escape(&form.name_devanagari),
        xml_escape(&form.name_latin),
        xml_escape(&form.phone),
        form.gender,
        form.age_years.unwrap_or_default(),
        form.village_lgd,
        xml_escape(&form.household),
        form.beat,
        form.station,
        form.programmes.join(" "),
        if form.consent_given { "yes" } else { "no" },
        form.consent_language,
        form.consent_notice_version,
        badge,
        enrolment.clock_ms,
        enrolment.id,
    )
}

/// The multipart boundary ODK Collect's HTTP client would draw; fixed, so bytes repeat.
pub const BOUNDARY: &str = "----ODKCollectBoundary7d3a1c2e9f";

/// A multipart/form-data body carrying `instance` as `xml_submission_file`, as ODK Collect
/// posts it.
pub fn multipart(instance: &str) -> String {
    format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"xml_submission_file\"; \
         filename=\"submission.xml\"\r\nContent-Type: text/xml; charset=utf-8\r\n\r\n\
         {instance}\r\n--{BOUNDARY}--\r\n"
    )
}

/// The text between `<tag>` and `</tag>` in `xml`, if both are there.
pub fn xml_field<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&format!("</{tag}>"))?;
    Some(&xml[start..end])
}

/// The XML part of a multipart body with `boundary`, if there is one.
pub fn xml_part<'a>(body: &'a str, boundary: &str) -> Option<&'a str> {
    let delimiter = format!("--{boundary}");
    body.split(&delimiter)
        .find(|part| part.contains("name=\"xml_submission_file\""))
        .and_then(|part| part.split_once("\r\n\r\n"))
        .map(|(_, content)| content.strip_suffix("\r\n").unwrap_or(content))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::{Mix, Size, Workload};

    #[test]
    fn an_instance_survives_the_multipart_round_trip_with_its_id_and_hindi_name() {
        let workload = Workload::generate(Size::STATION, 7, Mix::default());
        let enrolment = workload
            .enrolments
            .iter()
            .find(|enrolment| !enrolment.form.name_devanagari.is_empty())
            .expect("a Devanagari name");
        let instance = openrosa_instance(enrolment, "CG-100000");
        let body = multipart(&instance);
        let xml = xml_part(&body, BOUNDARY).expect("the XML part");
        assert_eq!(xml, instance);
        assert_eq!(
            xml_field(xml, "instanceID"),
            Some(format!("uuid:{}", enrolment.id).as_str())
        );
        assert_eq!(
            xml_field(xml, "name_deva"),
            Some(enrolment.form.name_devanagari.as_str())
        );
        assert_eq!(json(enrolment, "CG-100000")["id"], enrolment.id.to_string());
    }

    #[test]
    fn the_public_record_is_the_record_without_its_personal_fields() {
        let workload = Workload::generate(Size::STATION, 7, Mix::default());
        let enrolment = &workload.enrolments[0];
        let whole = json(enrolment, "CG-100000");
        let public = public_json(enrolment, "CG-100000");
        let keys = |record: &serde_json::Value| -> Vec<String> {
            record
                .as_object()
                .map(|object| object.keys().cloned().collect())
                .unwrap_or_default()
        };
        let kept: Vec<String> = keys(&whole)
            .into_iter()
            .filter(|key| !PERSONAL_KEYS.contains(&key.as_str()))
            .collect();
        assert_eq!(keys(&public), kept);
        assert!(PERSONAL_KEYS.iter().all(|key| whole.get(key).is_some()));
        assert_eq!(public["enrolled_by"], "CG-100000");
        assert_eq!(public["id"], whole["id"]);
    }
}
