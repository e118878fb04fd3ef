-- Visibility belongs to each version of a document: publishing a redacted new version must not
-- publish the internal one before it, nor the reverse. Existing versions keep what their
-- document said; `documents.visibility` is now the newest version's, kept for listing.
ALTER TABLE document_versions ADD COLUMN visibility TEXT NOT NULL DEFAULT 'internal'
    CHECK (visibility IN ('public', 'internal'));

UPDATE document_versions SET visibility = (
    SELECT d.visibility FROM documents d WHERE d.id = document_versions.document_id
);
