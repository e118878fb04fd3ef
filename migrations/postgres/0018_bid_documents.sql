-- A sealed bid's documents (issue 14). The file is in the blob store as ciphertext only (under
-- the tender's key, bound to the tender and the document's random id); what the file is called,
-- its type, size and SHA-256 are sealed here too, so neither the database nor the blob directory
-- tells anything of a bid before its opening. The bid's sealed content lists its documents by
-- id, name and SHA-256: the receipt's hash covers them.
CREATE TABLE bid_documents (
    id              TEXT    PRIMARY KEY,
    bid_id          TEXT    NOT NULL REFERENCES bids (id),
    -- The SHA-256 (hex) of the ciphertext: its name in the blob store.
    blob            TEXT    NOT NULL,
    -- base64 of the nonce and the ciphertext of {"name", "sha256", "file_type", "size"}.
    sealed_meta     TEXT    NOT NULL,
    -- Whether the bid's latest version carries it (a replacement with new files, or a
    -- withdrawal, ends the earlier ones; their ciphertext stays unread).
    -- Its place in the bid's list of documents (0 first).
    position        INTEGER NOT NULL,
    current         BOOLEAN NOT NULL,
    created_at      TIMESTAMPTZ    NOT NULL
);

CREATE INDEX bid_documents_bid ON bid_documents (bid_id, current);
