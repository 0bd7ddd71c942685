-- Published versions of each feature: immutable snapshots of the computation. version_key is the
-- SemVer precedence key (build metadata dropped): two versions of equal precedence cannot coexist.
CREATE TABLE feature_versions (
    feature_name            text        NOT NULL REFERENCES features (feature_name) ON DELETE CASCADE,
    version_key             text        NOT NULL,
    version                 text        NOT NULL,
    major                   integer     NOT NULL,
    changelog               text,
    breaking_changes        boolean     NOT NULL DEFAULT false,
    transformation_snapshot json,
    validation_snapshot     json        NOT NULL DEFAULT '[]',
    created_by              text        NOT NULL,
    created_at              timestamptz NOT NULL,
    is_rolled_back          boolean     NOT NULL DEFAULT false,
    rolled_back_at          timestamptz,
    restored_from           text,
    PRIMARY KEY (feature_name, version_key)
);

-- Features created before versions existed get their current state as their first version.
INSERT INTO feature_versions (feature_name, version_key, version, major, changelog, transformation_snapshot,
                              validation_snapshot, created_by, created_at)
SELECT feature_name, current_version, current_version, split_part(current_version, '.', 1)::integer,
       'Initial version.', transformation, validation_rules, owner, created_at
FROM features;

-- as_of reads the latest revision at or before an instant.
CREATE INDEX feature_revisions_time_idx ON feature_revisions (feature_name, recorded_at DESC, revision DESC);
