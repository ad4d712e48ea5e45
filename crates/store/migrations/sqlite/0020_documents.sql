-- Documents (store::documents): beside the letters Arrears generates, the files people
-- upload to an account (PDF, PNG, JPEG, TIFF: the type detected from the bytes), stored
-- content-addressed (SHA-256) under ARREARS_DOCUMENTS_DIR like the letters. The same
-- bytes uploaded twice to one account are one document. `kind` is `letter` or `upload`.
ALTER TABLE documents ADD COLUMN kind TEXT NOT NULL DEFAULT 'letter';
ALTER TABLE documents ADD COLUMN file_name TEXT;
ALTER TABLE documents ADD COLUMN note TEXT;
ALTER TABLE documents ADD COLUMN created_by TEXT;
CREATE INDEX documents_account_sha256 ON documents (account_id, sha256);

-- A dispute's evidence: documents of the disputed account attached to its dispute hold.
-- Attaching and detaching are audited; a detached document's row is removed.
CREATE TABLE dispute_evidence (
    id INTEGER PRIMARY KEY,
    hold_id BIGINT NOT NULL REFERENCES account_holds (id),
    document_id BIGINT NOT NULL REFERENCES documents (id),
    attached_by TEXT NOT NULL,
    attached_at_us BIGINT NOT NULL,
    audit_seq BIGINT NOT NULL REFERENCES audit_events (seq) DEFERRABLE INITIALLY DEFERRED,
    UNIQUE (hold_id, document_id)
);
CREATE INDEX dispute_evidence_document ON dispute_evidence (document_id);
