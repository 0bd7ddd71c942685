-- Which model (version, environment) used which feature version: the raw records behind usage
-- statistics, impact analysis and the breaking-change guard.
CREATE TABLE feature_usage (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    feature_name            text             NOT NULL REFERENCES features (feature_name) ON DELETE CASCADE,
    feature_version         text             NOT NULL,
    used_by_model           text             NOT NULL,
    model_version           text,
    environment             text             NOT NULL CHECK (environment IN ('dev', 'staging', 'production')),
    feature_importance      double precision,
    correlation_with_target double precision CHECK (correlation_with_target BETWEEN -1 AND 1),
    execution_id            text,
    execution_duration_ms   double precision CHECK (execution_duration_ms >= 0),
    usage_timestamp         timestamptz      NOT NULL,
    recorded_at             timestamptz      NOT NULL DEFAULT now()
);

CREATE INDEX feature_usage_feature_time_idx ON feature_usage (feature_name, usage_timestamp DESC);
CREATE INDEX feature_usage_model_idx ON feature_usage (used_by_model, model_version);
