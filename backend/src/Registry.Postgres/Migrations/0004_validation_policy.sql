-- What a failing blocking rule does to an ingested batch of values: strict rejects it, permissive writes it and reports.
ALTER TABLE features
    ADD COLUMN validation_policy text NOT NULL DEFAULT 'strict' CHECK (validation_policy IN ('strict', 'permissive'));
