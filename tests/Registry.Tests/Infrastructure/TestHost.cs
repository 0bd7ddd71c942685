namespace Registry.Tests.Infrastructure;

/// <summary>
/// The settings every API the tests start runs with, in one place: in process (<see cref="RegistryApiFactory"/>, which
/// the browser fixture uses too) and as a child process (<see cref="ApiProcess"/>, as environment variables).
/// </summary>
public static class TestHost
{
    public const string Environment = "Testing";

    /// <summary>A fresh bootstrap admin key (Auth:BootstrapKey): every scope, never printed.</summary>
    public static string NewAdminKey(string prefix) =>
        $"{prefix}-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));

    /// <summary>Configuration keys (':'-separated) of an API on <paramref name="connectionString"/> with its own DuckDB folder.</summary>
    public static Dictionary<string, string?> Settings(string connectionString, string valuesDirectory, string adminKey) => new()
    {
        ["ConnectionStrings:Registry"] = connectionString,
        ["DuckDb:Path"] = Path.Combine(valuesDirectory, "values.duckdb"),
        ["DuckDb:TempDirectory"] = Path.Combine(valuesDirectory, "tmp"),
        ["Auth:BootstrapKey"] = adminKey,
        // Tests fire requests as fast as they can; the rate-limit tests set their own limits.
        ["RateLimit:PermitsPerSecond"] = "1000000",
        ["RateLimit:Burst"] = "1000000",
        ["RateLimit:AnonymousPermitsPerSecond"] = "1000000",
        ["RateLimit:AnonymousBurst"] = "1000000",
    };

    /// <summary>The same settings as environment variables (ConnectionStrings__Registry, …), for a child process.</summary>
    public static IEnumerable<KeyValuePair<string, string?>> AsEnvironment(this Dictionary<string, string?> settings) =>
        settings.Select(s => KeyValuePair.Create(s.Key.Replace(":", "__", StringComparison.Ordinal), s.Value));
}

/// <summary>
/// Test categories (xunit traits). The slow ones (real processes killed and restarted, a browser, a PostgreSQL or Redis
/// outage, hostile input at volume) carry <c>Category=Slow</c>; the inner loop runs the rest:
/// <c>dotnet test --filter "Category!=Slow"</c>.
/// <c>dotnet test</c> (README, CI) runs everything.
/// </summary>
public static class TestCategory
{
    public const string Name = "Category";
    public const string Slow = "Slow";
}
