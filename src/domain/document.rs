//! Project documents: their kinds, who may see them, and which file types are accepted, told
//! by content (magic numbers, through the `infer` crate), never by the file's name.

use serde::{Deserialize, Serialize};

use crate::domain::codes::codes;
use crate::domain::validation::Violations;

codes!(
    /// The named documents of a project; each upload is a new version of one of them.
    DocumentKind {
        FeasibilityStudy = "feasibility_study",
        VfmReport = "vfm_report",
        AffordabilityReport = "affordability_report",
        TenderDocuments = "tender_documents",
        Contract = "contract",
        Other = "other",
    }
);

codes!(
    /// Public documents are published with the project; internal ones stay with the
    /// municipality, the proponent and the reviewers, and each download is audited.
    DocumentVisibility {
        Public = "public",
        Internal = "internal",
    }
);

codes!(
    /// The accepted file types.
    FileType {
        Pdf = "pdf",
        Docx = "docx",
        Xlsx = "xlsx",
        Odt = "odt",
        Ods = "ods",
        Png = "png",
        Jpeg = "jpeg",
    }
);

impl FileType {
    pub fn mime(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            FileType::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            FileType::Odt => "application/vnd.oasis.opendocument.text",
            FileType::Ods => "application/vnd.oasis.opendocument.spreadsheet",
            FileType::Png => "image/png",
            FileType::Jpeg => "image/jpeg",
        }
    }

    /// The type the content is, if it is one we accept.
    pub fn detect(content: &[u8]) -> Option<FileType> {
        let kind = infer::get(content)?;
        Self::ALL.iter().copied().find(|t| t.mime() == kind.mime_type())
    }
}

/// What an upload says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct UploadMeta {
    pub kind: DocumentKind,
    pub title: String,
    pub visibility: DocumentVisibility,
}

impl UploadMeta {
    pub fn validate(&self) -> Result<(), Violations> {
        let mut v = Violations::new();
        v.text("title", &self.title);
        let chars = self.title.trim().chars().count();
        if chars == 0 {
            v.add("title", "required");
        } else if chars > 300 {
            v.add("title", "too_long");
        }
        v.into_result()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_told_by_content() {
        assert_eq!(
            FileType::detect(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"),
            Some(FileType::Pdf)
        );
        assert_eq!(FileType::detect(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(FileType::Png));
        assert_eq!(FileType::detect(b"\xff\xd8\xff\xe0\0\x10JFIF\0"), Some(FileType::Jpeg));
        // An executable renamed to report.pdf is still an executable.
        assert_eq!(FileType::detect(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0"), None);
        assert_eq!(FileType::detect(b"MZ\x90\0\x03\0\0\0"), None);
        assert_eq!(FileType::detect(b"plain text"), None);
    }
}
