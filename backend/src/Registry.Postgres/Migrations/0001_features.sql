-- Feature definitions. Enumerations are stored as their snake_case wire names and checked here,
-- so a row written by any tool stays readable by the API.
CREATE TABLE features (
    feature_name     text PRIMARY KEY CHECK (feature_name ~ '^[a-z0-9_]{3,100}$'),
    current_version  text        NOT NULL,
    feature_type     text        NOT NULL CHECK (feature_type IN ('technical_indicator', 'fundamental', 'sentiment', 'macro_economic', 'derived', 'raw')),
    data_type        text        NOT NULL CHECK (data_type IN ('float', 'integer', 'string', 'boolean', 'timestamp')),
    status           text        NOT NULL CHECK (status IN ('draft', 'active', 'deprecated', 'archived')),
    description      text,
    owner            text        NOT NULL,
    tags             text[]      NOT NULL DEFAULT '{}',
    entity           text        NOT NULL,
    -- json, not jsonb: kept exactly as the client wrote it (key order, number text); never queried inside.
    transformation   json,
    validation_rules json        NOT NULL DEFAULT '[]',
    duckdb_table     text,
    duckdb_view      text,
    usage_count      bigint      NOT NULL DEFAULT 0,
    last_used_at     timestamptz,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    deprecated_at    timestamptz,
    revision         integer     NOT NULL
);

CREATE INDEX features_owner_idx ON features (owner);
CREATE INDEX features_type_idx ON features (feature_type);
CREATE INDEX features_status_idx ON features (status);
CREATE INDEX features_tags_idx ON features USING gin (tags);
CREATE INDEX features_created_idx ON features (created_at DESC);

-- Lineage edges: only the upstream direction is stored; downstream is derived from it so the two
-- can never drift apart.
CREATE TABLE feature_upstreams (
    feature_name  text    NOT NULL REFERENCES features (feature_name) ON DELETE CASCADE,
    upstream_name text    NOT NULL REFERENCES features (feature_name),
    position      integer NOT NULL,
    PRIMARY KEY (feature_name, upstream_name),
    CHECK (feature_name <> upstream_name)
);

CREATE INDEX feature_upstreams_upstream_idx ON feature_upstreams (upstream_name);

-- Every state a definition has been in, written in the same transaction as the change: the basis
-- of audit and of reading a definition as it stood at an instant.
CREATE TABLE feature_revisions (
    feature_name text        NOT NULL REFERENCES features (feature_name) ON DELETE CASCADE,
    revision     integer     NOT NULL,
    recorded_at  timestamptz NOT NULL,
    document     jsonb       NOT NULL,
    PRIMARY KEY (feature_name, revision)
);
