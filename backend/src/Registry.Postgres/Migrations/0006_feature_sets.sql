-- Feature sets: named, SemVer-versioned groups of features (tech_v1, ml_training_features). The set row holds
-- metadata and the current version; what the set contains is given by its versions.
CREATE TABLE feature_sets (
    feature_set_name text PRIMARY KEY CHECK (feature_set_name ~ '^[a-z0-9_]{3,100}$'),
    description      text,
    owner            text        NOT NULL,
    tags             text[]      NOT NULL DEFAULT '{}',
    current_version  text        NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);

CREATE INDEX feature_sets_owner_idx ON feature_sets (owner);
CREATE INDEX feature_sets_tags_idx ON feature_sets USING gin (tags);

-- Published versions. version_key is the SemVer precedence key (build metadata dropped), as in feature_versions:
-- two versions of equal precedence cannot coexist.
CREATE TABLE feature_set_versions (
    feature_set_name text        NOT NULL REFERENCES feature_sets (feature_set_name) ON DELETE CASCADE,
    version_key      text        NOT NULL,
    version          text        NOT NULL,
    changelog        text,
    created_by       text        NOT NULL,
    created_at       timestamptz NOT NULL,
    PRIMARY KEY (feature_set_name, version_key)
);

-- The members of each version, in order, each pinned to a published feature version (the composite key refers to
-- feature_versions, so a member can never name a version that does not exist).
CREATE TABLE feature_set_members (
    feature_set_name    text    NOT NULL,
    version_key         text    NOT NULL,
    position            integer NOT NULL,
    feature_name        text    NOT NULL REFERENCES features (feature_name),
    feature_version     text    NOT NULL,
    feature_version_key text    NOT NULL,
    PRIMARY KEY (feature_set_name, version_key, position),
    UNIQUE (feature_set_name, version_key, feature_name),
    FOREIGN KEY (feature_set_name, version_key) REFERENCES feature_set_versions (feature_set_name, version_key) ON DELETE CASCADE,
    FOREIGN KEY (feature_name, feature_version_key) REFERENCES feature_versions (feature_name, version_key)
);

-- Lineage and impact: which set versions consume a feature.
CREATE INDEX feature_set_members_feature_idx ON feature_set_members (feature_name);

-- A published version is immutable: whatever the client (the API has no such route, psql might), its row and its
-- members are never updated. Changing members means publishing a new version.
CREATE FUNCTION feature_set_version_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'feature set versions are immutable: publish a new version instead'
        USING ERRCODE = 'integrity_constraint_violation', TABLE = TG_TABLE_NAME;
END
$$;

CREATE TRIGGER feature_set_versions_immutable BEFORE UPDATE ON feature_set_versions
    FOR EACH ROW EXECUTE FUNCTION feature_set_version_immutable();
CREATE TRIGGER feature_set_members_immutable BEFORE UPDATE ON feature_set_members
    FOR EACH ROW EXECUTE FUNCTION feature_set_version_immutable();
