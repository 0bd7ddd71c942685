-- Who made a change, as the server knows it: the id of the API key that published a feature version (a rollback
-- included), a feature-set version or a snapshot. created_by stays the free text a client may send (by default the
-- key's name); created_by_key cannot be forged. NULL for rows written before it was recorded.
ALTER TABLE feature_versions ADD COLUMN created_by_key text;
ALTER TABLE feature_set_versions ADD COLUMN created_by_key text;
ALTER TABLE snapshots ADD COLUMN created_by_key text;
