namespace Registry.Benchmarks;

/// <summary>Full mode is the issue 4 shape; --smoke is a small, quick run that checks the benchmark itself works.</summary>
internal sealed record BenchmarkOptions(bool Smoke, int Features, int Layers, int UsageRows, int Warmup, int Iterations, IReadOnlyList<string> Arguments)
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
            ? new BenchmarkOptions(true, Features: 1_000, Layers: 10, UsageRows: 10_000, Warmup: 20, Iterations: 30, args)
            : new BenchmarkOptions(false, Features: 10_000, Layers: 10, UsageRows: 100_000, Warmup: 200, Iterations: 500, args);
    }
}
