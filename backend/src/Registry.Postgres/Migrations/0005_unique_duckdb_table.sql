-- Two features writing one DuckDB table would mix their values: each table belongs to one feature.
-- The default (features.<feature_name>) is recorded from now on; older rows get it here.
UPDATE features SET duckdb_table = 'features.' || feature_name WHERE duckdb_table IS NULL;
CREATE UNIQUE INDEX features_duckdb_table_key ON features (lower(duckdb_table)) WHERE duckdb_table IS NOT NULL;
