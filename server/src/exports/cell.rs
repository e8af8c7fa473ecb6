//! CSV cells that a spreadsheet cannot run. Officers open exports in Excel or LibreOffice,
//! which treat a cell beginning with `=`, `+`, `-` or `@` (or a tab or carriage return before
//! one) as a formula: a household typed as `=HYPERLINK("http://evil.example/x","Click")`
//! would become a live link, `=cmd|' /C calc'!A0` a command. Following OWASP's rule, such a
//! cell is written with a leading `'`, which the spreadsheet shows as text and hides; a phone
//! number `+91…` therefore reads `'+91…` in a text editor and `+91…` in Excel, where it would
//! otherwise be taken for a number and shown as `9.19E+11`.

use std::borrow::Cow;

/// The characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `value` as a spreadsheet shows it as text.
pub fn neutralised(value: &str) -> Cow<'_, str> {
    if value.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// Writes one row, each cell neutralised.
pub fn write_row<W: std::io::Write>(
    writer: &mut csv::Writer<W>,
    cells: &[&str],
) -> csv::Result<()> {
    writer.write_record(cells.iter().map(|cell| neutralised(cell).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_a_spreadsheet_would_run_is_written_as_text() {
        for hostile in [
            "=HYPERLINK(\"http://evil.example/x\",\"Click\")",
            "=cmd|' /C calc'!A0",
            "@SUM(1,1)",
            "-2+3",
            "+91 98765 43210",
            "\t=1+1",
            "\r=1+1",
        ] {
            let cell = neutralised(hostile);
            assert_eq!(cell, format!("'{hostile}"), "{hostile:?}");
        }
        for harmless in ["रमेश साहू", "House 12, Sahu family", "O'Brien", "", "12-A"]
        {
            assert_eq!(neutralised(harmless), harmless);
        }
    }

    #[test]
    fn a_row_written_reads_back_with_every_cell_neutralised() {
        let mut writer = csv::Writer::from_writer(Vec::new());
        write_row(&mut writer, &["=1+1", "plain", "@x"]).expect("written");
        let bytes = writer.into_inner().expect("flushed");
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(&bytes[..]);
        let record = reader.records().next().expect("a row").expect("it reads");
        assert_eq!(record.iter().collect::<Vec<_>>(), ["'=1+1", "plain", "'@x"]);
    }
}
