using Registry.Core.Features;
using Registry.Core.Values;

namespace Registry.DuckDb.Values;

/// <summary>
/// Feature values in one DuckDB file, through DuckDB.NET (ADR 0023). The work is split where a newcomer would look for
/// it: <see cref="ValueStaging"/> (batches into TEMP tables, checked), <see cref="ValueWriter"/> (commits),
/// <see cref="ValueReader"/> (every read) and <see cref="ValueTables"/> (DDL). This class only routes, and says
/// honestly how each call runs: DuckDB has no asynchronous API, so statements that can take long (a range's statistics,
/// rule measures, a SQL feature, a view, an export) run on the thread pool with the request's token wired to DuckDB's
/// interrupt; point lookups (latest values, vectors), which take microseconds, complete synchronously, since a thread
/// hop would cost more than the work. A file or disk failure surfaces as <see cref="Registry.Core.Common.StoreUnavailableException"/>.
/// </summary>
public sealed class DuckDbValueStore : IValueStore
{
    private readonly ValueStaging _staging;
    private readonly ValueWriter _writer;
    private readonly ValueReader _reader;
    private readonly ValueTables _tables;
    private readonly DuckDbDatabase _db;

    public DuckDbValueStore(DuckDbDatabase db, ValueStoreOptions options, StagingArea staging, TimeProvider clock)
        : this(db, options, staging, clock, null)
    {
    }

    /// <summary>With <paramref name="online"/>, every commit also keeps the online store's copy of latest values (ADR 0035).</summary>
    internal DuckDbValueStore(DuckDbDatabase db, ValueStoreOptions options, StagingArea staging, TimeProvider clock, Online.OnlinePublisher? online)
    {
        var latest = new LatestCache();
        _db = db;
        _tables = new ValueTables(options, latest);
        _staging = new ValueStaging(db, options, staging, _tables);
        _writer = new ValueWriter(_tables, latest, clock, online);
        _reader = new ValueReader(db, staging, _tables, latest);
    }

    /// <summary>The lock that serializes commits to one feature; the online repair takes it too.</summary>
    internal SemaphoreSlim WriteGate(string feature) => _writer.Gate(feature);

    internal DuckDbDatabase Database => _db;

    public Task<IStagedBatch> StageAsync(ValueFormat format, Stream body, DataType dataType, CancellationToken ct) =>
        DuckDbFaults.Guard(() => _staging.StageAsync(format, body, dataType, ct));

    public Task<IStagedBatch> StageQueryAsync(string sql, IReadOnlyList<UpstreamInput> upstream, DataType dataType,
        DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct) =>
        DuckDbFaults.Offload(() => _staging.StageQuery(sql, upstream, dataType, from, to, ct), ct);

    public Task<IReadOnlyList<RuleMeasure>> MeasureAsync(IStagedBatch batch, IReadOnlyList<RuleSpec> rules, CancellationToken ct) =>
        DuckDbFaults.Offload(() => ValueStaging.Measure(batch, rules), ct);

    public Task<IReadOnlyList<RuleMeasure>> MeasureAsync(ValueTable table, int contractMajor, DateTimeOffset? from, DateTimeOffset? to,
        IReadOnlyList<RuleSpec> rules, CancellationToken ct) =>
        DuckDbFaults.Offload(() => _reader.Measure(table, contractMajor, from, to, rules, ct), ct);

    public Task<IngestCounts> CommitAsync(IStagedBatch batch, ValueTable table, ValueStamp stamp, CancellationToken ct) =>
        DuckDbFaults.Guard(() => _writer.CommitAsync(batch, table, stamp, ct));

    public IAsyncEnumerable<ValueRow> ReadAsync(ValueTable table, ValueQuery query, CancellationToken ct) =>
        DuckDbFaults.Guard(_reader.ReadAsync(table, query, ct), ct);

    public Task ExportAsync(ValueTable table, ValueQuery query, ValueFormat format, Stream output, CancellationToken ct) =>
        DuckDbFaults.Guard(() => _reader.ExportAsync(table, query, format, output, ct));

    public Task<IReadOnlyList<ValueRow>> LatestAsync(ValueTable table, int contractMajor, IReadOnlyList<string> entityIds, CancellationToken ct) =>
        DuckDbFaults.Inline(() => _reader.Latest(table, contractMajor, entityIds));

    public Task<IReadOnlyList<LatestValue?[]>> LatestVectorsAsync(IReadOnlyList<UpstreamInput> members, IReadOnlyList<string> entityIds,
        CancellationToken ct) =>
        DuckDbFaults.Inline(() => _reader.LatestVectors(members, entityIds, ct));

    public Task<ValueStats> StatsAsync(ValueTable table, int contractMajor, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct) =>
        DuckDbFaults.Offload(() => _reader.Stats(table, contractMajor, from, to, ct), ct);

    public Task<QualityFacts> QualityAsync(ValueTable table, int contractMajor, DateTimeOffset? from, DateTimeOffset? to,
        int minHistory, double zScoreThreshold, CancellationToken ct) =>
        DuckDbFaults.Offload(() => _reader.Quality(table, contractMajor, from, to, minHistory, zScoreThreshold, ct), ct);

    public Task<SqlReferences> AnalyzeSqlAsync(string sql, CancellationToken ct) =>
        DuckDbFaults.Offload(() =>
        {
            using var c = _db.Rent();
            return SqlAnalyzer.Analyze(c, sql);
        }, ct);

    public Task CreateViewAsync(string schema, string view, string sql, IReadOnlyList<UpstreamInput> upstream, CancellationToken ct) =>
        DuckDbFaults.Offload(() =>
        {
            using var c = _db.Rent();
            _tables.CreateView(c, schema, view, sql, upstream, ct);
            return true;
        }, ct);
}

public sealed class ValueStoreOptions
{
    /// <summary>The DuckDB database file.</summary>
    public string Path { get; set; } = ".data/values.duckdb";

    /// <summary>
    /// The folder under which this instance's staging folder is made (uploads and exports spooled while DuckDB reads or
    /// writes them); by default the values file's folder. See <see cref="StagingArea"/>.
    /// </summary>
    public string? TempDirectory { get; set; }

    /// <summary>Other folders the engine may write and read (the snapshot root); nothing else on the host is reachable.</summary>
    public List<string> ExtraAllowedDirectories { get; set; } = [];

    /// <summary>
    /// DuckDB's memory_limit: what every query together may hold (its buffer pool of the values file included) before
    /// spilling to <see cref="SpillDirectory"/> or failing; a SQL feature's cap too (ADR 0019, 0042).
    /// </summary>
    public string MemoryLimit { get; set; } = DefaultMemoryLimit;

    public const string DefaultMemoryLimit = "2GB";

    /// <summary>DuckDB's threads: how many cores one query may use; null for DuckDB's default (every core).</summary>
    public int? Threads { get; set; }

    /// <summary>
    /// DuckDB's temp_directory, where large joins, sorts and aggregates spill beyond <see cref="MemoryLimit"/>; null for
    /// DuckDB's default, a folder next to the values file (values.duckdb.tmp), which DuckDB empties itself.
    /// </summary>
    public string? SpillDirectory { get; set; }

    /// <summary>DuckDB's max_temp_directory_size: the most a spill may take on disk (e.g. 20GB); null for DuckDB's default (90 % of the free space).</summary>
    public string? MaxSpillSize { get; set; }

    /// <summary>How long a SQL feature's query (materialize, view, check) may run before it is interrupted.</summary>
    public TimeSpan SqlTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
