-- Change notifications for the in-memory definition cache (ADR 0016). Every API process LISTENs on
-- registry_feature_changed and forgets the named definition, so a change made through any replica, or by hand in
-- psql, reaches every cache. NOTIFY is transactional: it is sent at commit and never for a rolled-back change.
-- A definition's answer includes its downstream features, so an edge also names its upstream feature.
CREATE FUNCTION registry_notify_feature_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'features' THEN
        IF TG_OP = 'DELETE' THEN
            PERFORM pg_notify('registry_feature_changed', OLD.feature_name);
        ELSE
            PERFORM pg_notify('registry_feature_changed', NEW.feature_name);
        END IF;
    ELSE
        IF TG_OP <> 'INSERT' THEN
            PERFORM pg_notify('registry_feature_changed', OLD.feature_name);
            PERFORM pg_notify('registry_feature_changed', OLD.upstream_name);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            PERFORM pg_notify('registry_feature_changed', NEW.feature_name);
            PERFORM pg_notify('registry_feature_changed', NEW.upstream_name);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER features_notify_changed
    AFTER INSERT OR UPDATE OR DELETE ON features
    FOR EACH ROW EXECUTE FUNCTION registry_notify_feature_changed();

CREATE TRIGGER feature_upstreams_notify_changed
    AFTER INSERT OR UPDATE OR DELETE ON feature_upstreams
    FOR EACH ROW EXECUTE FUNCTION registry_notify_feature_changed();

-- TRUNCATE fires no row trigger: tell every cache to forget everything.
CREATE FUNCTION registry_notify_features_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('registry_feature_changed', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER features_notify_truncated AFTER TRUNCATE ON features
    FOR EACH STATEMENT EXECUTE FUNCTION registry_notify_features_truncated();
CREATE TRIGGER feature_upstreams_notify_truncated AFTER TRUNCATE ON feature_upstreams
    FOR EACH STATEMENT EXECUTE FUNCTION registry_notify_features_truncated();
