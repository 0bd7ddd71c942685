using System.Globalization;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using MapsterMapper;
using Registry.Api.Features;
using Registry.Api.Infrastructure;
using Registry.Api.Lineage;
using Registry.Core.Features;
using Registry.Core.Lineage;
using Registry.Core.Versions;
using Registry.DuckDb;

namespace Registry.Benchmarks;

/// <summary>
/// In-process hot paths, timed by BenchmarkDotNet: what every request of their kind pays in this process, apart from the
/// databases. Lineage traversal is one recursive SQL statement (PostgreSQL does it), so its in-process part is mapping the
/// walk to the response and serializing it.
/// </summary>
[MemoryDiagnoser]
public class HotPaths
{
    public const int ReaderRows = 1_000_000;

    private readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);
    private readonly IMapper _mapper = new Mapper(MappingSetup.CreateWireConfig()); // the app's wire mapping (Mapster)
    private FeatureDefinition _definition = null!;
    private List<FeatureVersion> _versions = null!;
    private LineageResult _lineage = null!;
    private DuckDbDatabase _db = null!;
    private DuckDbSession _connection = null!;

    [GlobalSetup]
    public void Setup()
    {
        ServiceSetup.ConfigureJson(_json); // the app's options: snake_case, enum names, UTC instants
        var now = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
        JsonElement Number(double d) => JsonSerializer.SerializeToElement(d);
        _definition = new FeatureDefinition
        {
            FeatureName = "stock_rsi_14d",
            CurrentVersion = "1.4.2",
            FeatureType = FeatureType.TechnicalIndicator,
            DataType = DataType.Float,
            Status = FeatureStatus.Active,
            Description = "14-day relative strength index of the daily close.",
            Owner = "quant_research",
            Tags = ["equities", "momentum", "daily"],
            Entity = "ticker",
            Transformation = new Transformation(TransformationType.Sql,
                "SELECT ticker, ts, 100 - 100 / (1 + avg(gain) OVER w / avg(loss) OVER w) AS value FROM stock_daily_close WINDOW w AS (PARTITION BY ticker ORDER BY ts ROWS 13 PRECEDING)",
                new Dictionary<string, JsonElement> { ["window"] = Number(14) }),
            ValidationRules =
            [
                new(RuleType.Range, new Dictionary<string, JsonElement> { ["min"] = Number(0), ["max"] = Number(100) }, true),
                new(RuleType.NullCheck, new Dictionary<string, JsonElement> { ["max_null_ratio"] = Number(0.01) }, false),
            ],
            UpstreamFeatures = ["stock_daily_close"],
            DownstreamFeatures = ["stock_rsi_signal", "momentum_score"],
            DuckDbTable = "features.stock_rsi_14d",
            UsageCount = 1234,
            LastUsedAt = now,
            CreatedAt = now,
            UpdatedAt = now,
            Revision = 7,
        };

        // 100 versions in publication order, pre-releases and double-digit parts included.
        _versions = [];
        for (var major = 1; major <= 4; major++)
            for (var minor = 0; minor < 5; minor++)
                for (var patch = 0; patch < 5; patch++)
                    _versions.Add(new FeatureVersion
                    {
                        FeatureName = "stock_rsi_14d",
                        Version = patch == 0 && minor == 0 ? $"{major}.0.0-rc.{minor + 1}" : string.Create(CultureInfo.InvariantCulture, $"{major}.{minor * 3}.{patch * 4}"),
                        CreatedBy = "quant_research",
                    });
        _versions.Reverse();

        // The lineage benchmark's walk: 99 features in 9 levels and 179 edges among them.
        var nodes = new List<LineageNode>();
        var edges = new List<LineageEdge>();
        for (var level = 1; level <= 9; level++)
            for (var i = 0; i < 11; i++)
            {
                nodes.Add(new LineageNode($"bench_l{9 - level}_{500 + i}", FeatureStatus.Active, "team_3", "1.0.0", level, LineageDirection.Upstream));
                if (level > 1 || i < 2) edges.Add(new LineageEdge($"bench_l{9 - level}_{500 + i}", $"bench_l{10 - level}_{500 + i}"));
                if (level > 1 && i < 10) edges.Add(new LineageEdge($"bench_l{9 - level}_{501 + i}", $"bench_l{10 - level}_{500 + i}"));
            }
        _lineage = new LineageResult(_definition with { FeatureName = "bench_l9_500" }, true, LineageDirection.Upstream, 10,
            ["bench_l8_500", "bench_l8_501"], [], [.. nodes.Select(n => n.FeatureName)], [], 0, 0, new LineageGraph(nodes, edges), []);

        _db = DuckDbDatabase.Open(":memory:");
        _connection = _db.Rent();
        _connection.Execute(string.Create(CultureInfo.InvariantCulture, $"""
            CREATE TABLE t AS
            SELECT 'entity_' || lpad(CAST(i % 1000 AS VARCHAR), 5, '0') AS entity_id,
                   TIMESTAMP '2024-01-01' + to_minutes(CAST(i // 1000 AS BIGINT)) AS event_ts,
                   CAST((i * 7919) % 100000 AS DOUBLE) / 100 AS value
            FROM range({ReaderRows}) r(i)
            """));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _connection.Dispose();
        _db.Dispose();
    }

    [Benchmark(Description = "serialize one definition response (System.Text.Json, the app's options)")]
    public byte[] SerializeDefinition() => JsonSerializer.SerializeToUtf8Bytes(_mapper.Map<FeatureResponse>(_definition), _json);

    [Benchmark(Description = "read 1 M rows (VARCHAR, TIMESTAMP, DOUBLE) through DuckDB.NET's reader")]
    public double ReadMillionRows()
    {
        var sum = 0.0;
        using var reader = _connection.Query("SELECT entity_id, event_ts, value FROM t");
        while (reader.Read())
        {
            sum += reader.GetString(0).Length + reader.GetDateTime(1).Ticks % 7 + reader.GetDouble(2);
        }
        return sum;
    }

    [Benchmark(Description = "order 100 versions newest first (SemVer.NewestFirst)")]
    public FeatureVersion OrderVersions() => SemVer.NewestFirst(_versions).First();

    [Benchmark(Description = "map and serialize a lineage response (99 nodes, 179 edges)")]
    public byte[] LineageResponse() => JsonSerializer.SerializeToUtf8Bytes(_mapper.Map<LineageResponse>(_lineage), _json);
}

/// <summary>One row of BenchmarkDotNet's results.</summary>
internal sealed record HotPathResult(string Name, double MeanNs, double ErrorNs, double? AllocatedBytes);

internal sealed record HotPathRun(string Job, string Version, IReadOnlyList<HotPathResult> Results);

internal static class HotPathRunner
{
    /// <summary>
    /// In this process (no generated project to build), with a short job for the full run and a dry one for smoke; BenchmarkDotNet's
    /// own console output is kept out of stdout, which carries the report.
    /// </summary>
    public static HotPathRun Run(bool smoke, string artifacts)
    {
        // 10 measured iterations: with ShortRun's 3, the 99.9 % interval is wider than the mean on a shared machine.
        var job = (smoke ? Job.Dry : Job.ShortRun.WithIterationCount(10)).WithToolchain(InProcessEmitToolchain.Instance);
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(NullLogger.Instance)
            .WithArtifactsPath(artifacts);
        var summary = BenchmarkRunner.Run<HotPaths>(config);
        if (summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success))
            throw new InvalidOperationException("BenchmarkDotNet failed: " + string.Join("; ", summary.ValidationErrors.Select(e => e.Message)));
        var results = summary.Reports.Select(r => new HotPathResult(
            r.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo.Trim('\''),
            r.ResultStatistics!.Mean,
            r.ResultStatistics.ConfidenceInterval.Margin,
            r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase))).ToList();
        var name = smoke ? "Dry (1 iteration: checks the benchmarks run, not their speed)" : "1 launch, 3 warm-up and 10 measured iterations, in process";
        return new HotPathRun(name, typeof(BenchmarkRunner).Assembly.GetName().Version?.ToString(3) ?? "?", results);
    }
}
