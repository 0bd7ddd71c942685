using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Browser;

/// <summary>
/// The API on a real Kestrel socket (a browser cannot reach TestServer), on its own database in the shared
/// test cluster, and one headless Debian chromium driven through Playwright.
/// </summary>
public sealed class LiveApiFixture : IAsyncLifetime, IDisposable
{
    public void Dispose() => _factory.Dispose(); // also after DisposeAsync: disposing twice is harmless

    /// <summary>Debian's package; .ci/run installs it. Playwright's own browser downloads cannot work here.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    // Root needs --no-sandbox; the networking flags stop chromium calling home, which this network refuses.
    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private readonly RegistryApiFactory _factory = new();
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public Uri BaseAddress { get; private set; } = null!;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("the fixture is not initialised");

    /// <summary>The admin key the API was started with: what a user pastes into Swagger UI's Authorize.</summary>
    public string AdminKey => _factory.AdminKey;

    public HttpClient CreateClient()
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Add(RegistryApiFactory.ApiKeyHeader, AdminKey);
        return client;
    }

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"Chromium is not installed at {ChromiumPath}: the Swagger UI tests need Debian's chromium package " +
                "(apt-get install chromium; .ci/run installs it). Playwright's downloaded browsers are not used.");
        }

        await _factory.InitializeAsync();
        _factory.UseKestrel(0); // port 0: the OS picks a free one, so parallel runs never collide
        _factory.StartServer();
        var addresses = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        BaseAddress = new Uri(addresses.FirstOrDefault() ?? throw new InvalidOperationException("Kestrel reported no address"));

        // Generous waits: the machine has two cores, shared with the rest of the test run.
        Assertions.SetDefaultExpectTimeout(30_000);
        _playwright = await Playwright.CreateAsync();
        // LaunchAsync gives every launch a new temporary profile (user-data-dir), removed on close.
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ChromiumArgs,
        });
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.CloseAsync();
        _playwright?.Dispose();
        await _factory.DisposeAsync();
    }
}
