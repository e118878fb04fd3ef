//! Streamed downloads (CSV, JSON lines): the bytes arrive page by page from the database, so
//! memory stays flat however large the export.

use std::pin::Pin;

use rocket::futures::Stream;
use rocket::http::{ContentType, Header};
use rocket::response::stream::ByteStream;

/// Chunks of a file as they are produced.
pub type Chunks = Pin<Box<dyn Stream<Item = Vec<u8>> + Send>>;

/// A file sent as an attachment while it is produced.
pub struct StreamedFile {
    pub content_type: ContentType,
    pub filename: &'static str,
    pub chunks: Chunks,
}

impl StreamedFile {
    pub fn csv(filename: &'static str, chunks: Chunks) -> Self {
        Self {
            content_type: ContentType::new("text", "csv").with_params(("charset", "utf-8")),
            filename,
            chunks,
        }
    }
}

impl<'r> rocket::response::Responder<'r, 'r> for StreamedFile {
    fn respond_to(self, req: &'r rocket::Request<'_>) -> rocket::response::Result<'r> {
        let mut response = ByteStream(self.chunks).respond_to(req)?;
        response.set_header(self.content_type);
        response.set_header(Header::new(
            "Content-Disposition",
            format!("attachment; filename=\"{}\"", self.filename),
        ));
        Ok(response)
    }
}

/// One CSV record, written by the `csv` crate (quoting and escaping are its job).
pub fn csv_record(fields: &[String]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail; an empty line would show the problem in the file.
    let _ = writer.write_record(fields);
    writer.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_quoted_by_the_csv_crate() {
        let line = csv_record(&["a,b".to_string(), "say \"hi\"".to_string(), "плain".to_string()]);
        assert_eq!(String::from_utf8(line).unwrap(), "\"a,b\",\"say \"\"hi\"\"\",плain\n");
    }
}
