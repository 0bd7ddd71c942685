-- Snapshots of feature set versions: point-in-time training sets written once as Parquet files under the snapshot
-- root ({root}/{snapshot_id}/{feature_set}/{timeframe}/YYYYMMDD.parquet), recorded here with what proves their
-- content. Snapshots are audit artefacts: no row of these tables is ever updated or deleted (triggers below).
CREATE TABLE snapshots (
    snapshot_id         uuid        PRIMARY KEY,
    feature_set_name    text        NOT NULL,
    version_key         text        NOT NULL,
    feature_set_version text        NOT NULL,
    from_ts             timestamptz NOT NULL,
    to_ts               timestamptz NOT NULL,
    timeframe           text        NOT NULL CHECK (timeframe IN ('1m', '5m', '15m', '30m', '1h', '4h', '1d', 'raw')),
    -- NULL: every entity with a value in the range.
    entity_ids          text[],
    row_count           bigint      NOT NULL CHECK (row_count > 0),
    -- SHA-256 of the manifest of the files (see SnapshotChecksum), lowercase hex.
    checksum            text        NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
    created_by          text,
    created_at          timestamptz NOT NULL,
    CHECK (from_ts < to_ts),
    FOREIGN KEY (feature_set_name, version_key) REFERENCES feature_set_versions (feature_set_name, version_key)
);

CREATE INDEX snapshots_created_idx ON snapshots (created_at DESC, snapshot_id DESC);
CREATE INDEX snapshots_set_created_idx ON snapshots (feature_set_name, created_at DESC, snapshot_id DESC);

-- One Parquet file per UTC day with rows; path relative to the snapshot's directory.
CREATE TABLE snapshot_files (
    snapshot_id uuid    NOT NULL REFERENCES snapshots (snapshot_id),
    position    integer NOT NULL,
    path        text    NOT NULL,
    row_count   bigint  NOT NULL CHECK (row_count > 0),
    bytes       bigint  NOT NULL CHECK (bytes > 0),
    sha256      text    NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    PRIMARY KEY (snapshot_id, position),
    UNIQUE (snapshot_id, path)
);

-- The columns after entity_id and ts, in member order, each with the contract its values were read in and the
-- normalization statistics of its values in the snapshot (population standard deviation, ddof = 0).
CREATE TABLE snapshot_features (
    snapshot_id     uuid             NOT NULL REFERENCES snapshots (snapshot_id),
    position        integer          NOT NULL,
    feature_name    text             NOT NULL,
    feature_version text             NOT NULL,
    contract_major  integer          NOT NULL,
    data_type       text             NOT NULL,
    value_count     bigint           NOT NULL CHECK (value_count >= 0),
    mean            double precision,
    std             double precision CHECK (std >= 0),
    min             double precision,
    max             double precision,
    PRIMARY KEY (snapshot_id, position),
    UNIQUE (snapshot_id, feature_name)
);

-- The audit log: which model (version, run) trained on which snapshot.
CREATE TABLE snapshot_usage (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    snapshot_id     uuid        NOT NULL REFERENCES snapshots (snapshot_id),
    used_by_model   text        NOT NULL,
    model_version   text        NOT NULL,
    environment     text        NOT NULL CHECK (environment IN ('dev', 'staging', 'production')),
    execution_id    text        NOT NULL,
    usage_timestamp timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX snapshot_usage_snapshot_time_idx ON snapshot_usage (snapshot_id, usage_timestamp DESC, id DESC);

-- A use of a snapshot also counts as a use of each member feature version; those records say which snapshot.
ALTER TABLE feature_usage ADD COLUMN snapshot_id uuid REFERENCES snapshots (snapshot_id);
CREATE INDEX feature_usage_snapshot_idx ON feature_usage (snapshot_id) WHERE snapshot_id IS NOT NULL;

CREATE FUNCTION snapshot_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'snapshots and their audit log are immutable: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation', TABLE = TG_TABLE_NAME;
END
$$;

CREATE TRIGGER snapshots_immutable BEFORE UPDATE OR DELETE ON snapshots
    FOR EACH ROW EXECUTE FUNCTION snapshot_immutable();
CREATE TRIGGER snapshot_files_immutable BEFORE UPDATE OR DELETE ON snapshot_files
    FOR EACH ROW EXECUTE FUNCTION snapshot_immutable();
CREATE TRIGGER snapshot_features_immutable BEFORE UPDATE OR DELETE ON snapshot_features
    FOR EACH ROW EXECUTE FUNCTION snapshot_immutable();
CREATE TRIGGER snapshot_usage_immutable BEFORE UPDATE OR DELETE ON snapshot_usage
    FOR EACH ROW EXECUTE FUNCTION snapshot_immutable();
-- TRUNCATE bypasses row triggers.
CREATE TRIGGER snapshots_no_truncate BEFORE TRUNCATE ON snapshots
    FOR EACH STATEMENT EXECUTE FUNCTION snapshot_immutable();
CREATE TRIGGER snapshot_files_no_truncate BEFORE TRUNCATE ON snapshot_files
    FOR EACH STATEMENT EXECUTE FUNCTION snapshot_immutable();
CREATE TRIGGER snapshot_features_no_truncate BEFORE TRUNCATE ON snapshot_features
    FOR EACH STATEMENT EXECUTE FUNCTION snapshot_immutable();
CREATE TRIGGER snapshot_usage_no_truncate BEFORE TRUNCATE ON snapshot_usage
    FOR EACH STATEMENT EXECUTE FUNCTION snapshot_immutable();
