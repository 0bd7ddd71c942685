using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Registry.Benchmarks;

/// <summary>
/// The real API, in-process, on the benchmark's database and a DuckDB file of its own in a fresh temp folder
/// (one process must never open one DuckDB file twice, and a run must not reuse or grow the developer's .data/).
/// By default it is served by TestServer (no sockets); with kestrel: true, by Kestrel on a loopback socket instead.
/// </summary>
internal sealed class BenchmarkApiFactory : WebApplicationFactory<Program>
{
    private readonly string _connectionString;

    public BenchmarkApiFactory(string connectionString, bool kestrel = false)
    {
        _connectionString = connectionString;
        if (kestrel) UseKestrel(0); // port 0: any free port on 127.0.0.1; CreateClient() then talks to it
    }

    public string ValuesDirectory { get; } = Directory.CreateTempSubdirectory("registry-bench-values-").FullName;

    public string ValuesPath => Path.Combine(ValuesDirectory, "values.duckdb");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Benchmark");
        builder.UseSetting("ConnectionStrings:Registry", _connectionString);
        builder.UseSetting("DuckDb:Path", ValuesPath);
        builder.UseSetting("DuckDb:TempDirectory", Path.Combine(ValuesDirectory, "tmp"));
        // stdout carries the Markdown report; keep start-up chatter out of it.
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        // Authentication and the rate limiter stay in the path being measured; the limits are set out of reach.
        builder.UseSetting("Auth:BootstrapKey", ApiKey);
        builder.UseSetting("RateLimit:PermitsPerSecond", "1000000");
        builder.UseSetting("RateLimit:Burst", "1000000");
    }

    /// <summary>The admin key every client of this factory sends.</summary>
    public string ApiKey { get; } = "bench-" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));

    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Add("X-API-Key", ApiKey);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync(); // stops the API, which closes (checkpoints) the DuckDB file
        try { Directory.Delete(ValuesDirectory, recursive: true); }
        catch (IOException) { /* best effort: it is under the temp folder */ }
    }
}
