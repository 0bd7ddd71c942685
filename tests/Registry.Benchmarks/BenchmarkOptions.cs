namespace Registry.Benchmarks;

/// <summary>Issue 5's value shape: rows ingested per body, over how many entities, and how often each case runs.</summary>
internal sealed record ValuesShape(int Rows, int Entities, int Repeats, int LatestWarmup, int LatestIterations);

/// <summary>Full mode is the issues' shape (4: lineage, 5: values); --smoke is a small, quick run that checks the benchmark itself works.</summary>
internal sealed record BenchmarkOptions(bool Smoke, int Features, int Layers, int UsageRows, int Warmup, int Iterations, ValuesShape Values,
    IReadOnlyList<string> Arguments)
{
    public const int Depth = 10;
    public const string Command = "dotnet run -c Release --project tests/Registry.Benchmarks";

    public int Width => Features / Layers;

    /// <summary>The command that produced the figures, as it is typed from the repository root.</summary>
    public string CommandLine => Arguments.Count == 0 ? Command : $"{Command} -- {string.Join(' ', Arguments)}";

    public static BenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        var smoke = false;
        foreach (var arg in args)
        {
            if (arg == "--smoke") smoke = true;
            else throw new ArgumentException($"Unknown argument '{arg}'. Usage: {Command} [-- --smoke]");
        }
        return smoke
            ? new BenchmarkOptions(true, Features: 1_000, Layers: 10, UsageRows: 10_000, Warmup: 20, Iterations: 30,
                new ValuesShape(Rows: 100_000, Entities: 1_000, Repeats: 1, LatestWarmup: 100, LatestIterations: 500), args)
            : new BenchmarkOptions(false, Features: 10_000, Layers: 10, UsageRows: 100_000, Warmup: 200, Iterations: 500,
                new ValuesShape(Rows: 1_000_000, Entities: 1_000, Repeats: 5, LatestWarmup: 1_000, LatestIterations: 5_000), args);
    }
}
