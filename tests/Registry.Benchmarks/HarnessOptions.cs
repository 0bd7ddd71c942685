namespace Registry.Benchmarks;

/// <summary>
/// The dataset: a layered lineage graph of <see cref="Layers"/> × <see cref="Width"/> definitions; the first
/// <see cref="HeavyFeatures"/> + <see cref="LightFeatures"/> features of the first layer have values. A heavy feature has
/// <see cref="HeavyEntities"/> entities × <see cref="HeavyEvents"/> hourly events, a light one <see cref="LightEntities"/> ×
/// <see cref="LightEvents"/> events ten hours apart, so both cover the same window and the light entities are among the heavy ones.
/// </summary>
/// <remarks>Beside it, a second layered graph of <see cref="GraphLayers"/> × <see cref="GraphWidth"/> definitions of other owners and
/// tags (graph_l{layer}_{i}): the large lineage case walks it, and every other case sees a registry that size around its own data.</remarks>
internal sealed record DatasetShape(int Layers, int Width, int UsageRows, int HeavyFeatures, int HeavyEntities, int HeavyEvents,
    int LightFeatures, int LightEntities, int LightEvents, int FeatureSets, int GraphLayers, int GraphWidth)
{
    public int Definitions => Layers * Width;
    public int GraphDefinitions => GraphLayers * GraphWidth;
    public int ValueFeatures => HeavyFeatures + LightFeatures;
    public long ValueRows => (long)HeavyFeatures * HeavyEntities * HeavyEvents + (long)LightFeatures * LightEntities * LightEvents;
}

/// <summary>How long wrk runs each case, at which concurrencies.</summary>
internal sealed record HttpShape(IReadOnlyList<int> Concurrencies, int WarmupSeconds, int Seconds);

/// <summary>The sizes of the one-request cases: bulk ingest, the training set, the Feast #3003 shape.</summary>
internal sealed record WorkShape(int IngestRows, int IngestEntities, int Rounds, int TrainingLabels, int TrainingFeatures, int FeastLabels,
    int FeastFeatures);

/// <summary>
/// The full run is DESIGN.md §5's shape; --smoke is a small, quick run that checks the harness itself works and only prints.
/// --only a,b runs just those cases (of <see cref="FocusedCases"/>; the trivial endpoint always runs beside them) in the
/// run's shape and only prints: a before/after measurement of one path without the whole run. No hot paths, and the
/// feature values are generated only when a case reads them.
/// </summary>
internal sealed record HarnessOptions(bool Smoke, DatasetShape Dataset, HttpShape Http, WorkShape Work, IReadOnlyList<string> Arguments,
    IReadOnlySet<string>? Only = null)
{
    public const int LineageDepth = 10;
    public const int LargeLineageDepth = 20;

    /// <summary>The cases `--only` may name: the registry's, then those that read feature values.</summary>
    public static readonly IReadOnlyList<string> FocusedCases =
        ["definition", "list", "lineage", "lineage_large", "impact", "latest", "online", "usage", "start", "ingest", "training", "feast", "online_wide",
            "online_store"];

    /// <summary>The focused cases that need the dataset's feature values.</summary>
    private static readonly string[] ValueCases = ["latest", "online", "training", "feast", "online_wide", "online_store"];

    /// <summary>Whether the dataset is made with its feature values (always, unless --only names no case that reads them).</summary>
    public bool NeedsValues => Only is null || Only.Overlaps(ValueCases);

    public bool Runs(string caseId) => Only is null || Only.Contains(caseId) || caseId == "floor";
    public const string Command = "dotnet run -c Release --project tests/Registry.Benchmarks";

    /// <summary>The command that produced the figures, as it is typed from the repository root.</summary>
    public string CommandLine => Arguments.Count == 0 ? Command : $"{Command} -- {string.Join(' ', Arguments)}";

    public static HarnessOptions Parse(IReadOnlyList<string> args)
    {
        var smoke = false;
        HashSet<string>? only = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--smoke") smoke = true;
            else if (arg == "--full") smoke = false;
            else if (arg == "--only" && i + 1 < args.Count)
            {
                only = [.. args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
                if (only.Count == 0 || !only.IsSubsetOf(FocusedCases))
                    throw new ArgumentException($"--only takes some of {string.Join(',', FocusedCases)}.");
            }
            else throw new ArgumentException($"Unknown argument '{arg}'. Usage: {Command} [-- --smoke] [--only {string.Join(',', FocusedCases)}]");
        }
        return (smoke
            ? new HarnessOptions(true,
                new DatasetShape(Layers: 10, Width: 100, UsageRows: 10_000, HeavyFeatures: 2, HeavyEntities: 100, HeavyEvents: 200,
                    LightFeatures: 18, LightEntities: 20, LightEvents: 20, FeatureSets: 2, GraphLayers: 20, GraphWidth: 100),
                new HttpShape([8], WarmupSeconds: 0, Seconds: 2),
                new WorkShape(IngestRows: 50_000, IngestEntities: 100, Rounds: 1, TrainingLabels: 2_000, TrainingFeatures: 10, FeastLabels: 500,
                    FeastFeatures: 20),
                args)
            : new HarnessOptions(false,
                new DatasetShape(Layers: 10, Width: 1_000, UsageRows: 100_000, HeavyFeatures: 10, HeavyEntities: 1_000, HeavyEvents: 1_000,
                    LightFeatures: 990, LightEntities: 100, LightEvents: 100, FeatureSets: 5, GraphLayers: 20, GraphWidth: 5_000),
                new HttpShape([1, 8, 32], WarmupSeconds: 2, Seconds: 8),
                new WorkShape(IngestRows: 1_000_000, IngestEntities: 1_000, Rounds: 3, TrainingLabels: 100_000, TrainingFeatures: 10,
                    FeastLabels: 17_000, FeastFeatures: 1_000),
                args)) with { Only = only };
    }
}
