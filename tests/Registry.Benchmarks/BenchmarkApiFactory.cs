using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Registry.Benchmarks;

/// <summary>The real API, in-process (TestServer: no sockets), on the benchmark's database.</summary>
internal sealed class BenchmarkApiFactory(string connectionString) : WebApplicationFactory<Program>
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Benchmark");
        builder.UseSetting("ConnectionStrings:Registry", connectionString);
        // stdout carries the Markdown report; keep start-up chatter out of it.
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
    }
}
