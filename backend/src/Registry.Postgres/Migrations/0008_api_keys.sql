-- API keys. Only the SHA-256 of each key is stored, never the key: the secret is shown once, when the key is created.
-- key_id is the public part of the key (frk_<key_id>_<secret>), by which it is listed and revoked. A revoked key is
-- kept (who revoked it, when) rather than deleted; revision is its ETag (1, then 2 once revoked).
CREATE TABLE api_keys (
    key_id      text        PRIMARY KEY CHECK (key_id ~ '^[0-9a-f]{16}$'),
    name        text        NOT NULL,
    scopes      text[]      NOT NULL CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['read', 'write', 'admin']),
    secret_hash bytea       NOT NULL CHECK (octet_length(secret_hash) = 32),
    created_by  text        NOT NULL,
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    revoked_by  text,
    revision    integer     NOT NULL DEFAULT 1
);

CREATE INDEX api_keys_created_idx ON api_keys (created_at, key_id);
