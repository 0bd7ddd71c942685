using Registry.Core.Features;

namespace Registry.Core.Values;

/// <summary>
/// Materialized feature values (DuckDB). Bitemporal and append-only: every row keeps its event time and the
/// instant it was ingested; a newer row for the same (entity, event time, contract major) supersedes an older
/// one for reads made later, and reads as of an earlier instant still see what was known then.
/// </summary>
public interface IValueStore
{
    /// <summary>Streams a body into a private staging area, typed by <paramref name="dataType"/>, collecting row errors.</summary>
    Task<IStagedBatch> StageAsync(ValueFormat format, Stream body, DataType dataType, CancellationToken ct);

    /// <summary>Stages the result of a SQL feature's query over its upstream features' current values.</summary>
    Task<IStagedBatch> StageQueryAsync(string sql, IReadOnlyList<UpstreamInput> upstream, DataType dataType,
        DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct);

    /// <summary>Measures each rule over a staged batch.</summary>
    Task<IReadOnlyList<RuleMeasure>> MeasureAsync(IStagedBatch batch, IReadOnlyList<RuleSpec> rules, CancellationToken ct);

    /// <summary>Measures each rule over the current stored values in [from, to).</summary>
    Task<IReadOnlyList<RuleMeasure>> MeasureAsync(ValueTable table, int contractMajor, DateTimeOffset? from, DateTimeOffset? to,
        IReadOnlyList<RuleSpec> rules, CancellationToken ct);

    /// <summary>
    /// Writes a staged batch in one DuckDB transaction: all of it or nothing. Rows identical to what a read would
    /// already return are skipped, so posting the same batch twice changes nothing.
    /// </summary>
    Task<IngestCounts> CommitAsync(IStagedBatch batch, ValueTable table, ValueStamp stamp, CancellationToken ct);

    IAsyncEnumerable<ValueRow> ReadAsync(ValueTable table, ValueQuery query, CancellationToken ct);

    /// <summary>Writes the same rows as <see cref="ReadAsync"/> as CSV or Parquet.</summary>
    Task ExportAsync(ValueTable table, ValueQuery query, ValueFormat format, Stream output, CancellationToken ct);

    /// <summary>The latest value per entity (greatest event time), what online inference reads.</summary>
    Task<IReadOnlyList<ValueRow>> LatestAsync(ValueTable table, int contractMajor, IReadOnlyList<string> entityIds, CancellationToken ct);

    /// <summary>
    /// For each entity (in order), the latest value of each member (in order) in its contract, or null when it has none:
    /// what an online feature vector is made of.
    /// </summary>
    Task<IReadOnlyList<LatestValue?[]>> LatestVectorsAsync(IReadOnlyList<UpstreamInput> members, IReadOnlyList<string> entityIds, CancellationToken ct);

    Task<ValueStats> StatsAsync(ValueTable table, int contractMajor, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct);

    Task<QualityFacts> QualityAsync(ValueTable table, int contractMajor, DateTimeOffset? from, DateTimeOffset? to,
        int minHistory, double zScoreThreshold, CancellationToken ct);

    /// <summary>The upstream names a SQL query reads, or the reason it is refused (parse error, file access, qualified names).</summary>
    Task<SqlReferences> AnalyzeSqlAsync(string sql, CancellationToken ct);

    /// <summary>Creates or replaces a DuckDB view over the query, reading its upstream features' current values live.</summary>
    Task CreateViewAsync(string schema, string view, string sql, IReadOnlyList<UpstreamInput> upstream, CancellationToken ct);
}

/// <summary>An upstream feature as a SQL feature's query sees it: a relation named after the feature.</summary>
public sealed record UpstreamInput(string FeatureName, ValueTable Table, int ContractMajor);

/// <summary>
/// What a SQL feature reads: the upstream features it names, or why it cannot run. <see cref="Sql"/> is the statement as
/// the engine understood it (printed back from its parse tree); only that text is ever run, never the client's.
/// </summary>
public sealed record SqlReferences(IReadOnlyList<string> Tables, string? Error, string Sql = "");
