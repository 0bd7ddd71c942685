using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Registry.Tests.Infrastructure;

namespace Registry.Tests.Auth;

/// <summary>Start-up configuration: authentication off, production without keys, the Development key, a weak bootstrap key.</summary>
public sealed partial class AuthConfigurationTests
{
    private static async Task<(RegistryApiFactory Api, LogCapture Log)> StartAsync(string? environment, params (string Key, string? Value)[] settings)
    {
        var log = new LogCapture();
        var api = new RegistryApiFactory();
        await api.InitializeAsync();
        foreach (var (key, value) in settings) api.Settings[key] = value;
        api.Customize = builder =>
        {
            if (environment is not null) builder.UseEnvironment(environment);
            log.AttachTo(builder);
        };
        return (api, log);
    }

    [Fact]
    public async Task With_auth_disabled_every_request_gets_through_and_start_up_says_so_loudly()
    {
        var (api, log) = await StartAsync(null, ("Auth:Enabled", "false"));
        await using var _ = api;
        using var anonymous = api.CreateAnonymousClient();
        await anonymous.CreateAsync(FeatureApi.Minimal("auth_off_feature"));
        var key = (await (await anonymous.PostJsonAsync("/api/v1/api-keys", """{ "name": "while off", "scopes": ["read"] }""")).ExpectAsync(201))!;
        Assert.Equal("anonymous", (string?)key["created_by"]);
        Assert.Contains(log.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("AUTHENTICATION IS DISABLED", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Production_without_any_key_starts_refuses_requests_and_says_how_to_create_a_key()
    {
        var (api, log) = await StartAsync("Production", ("Auth:BootstrapKey", ""));
        await using var _ = api;
        using var anonymous = api.CreateAnonymousClient();
        await (await anonymous.GetAsync(FeatureApi.Url)).ExpectProblemAsync(401);
        var hint = Assert.Single(log.Lines, l => l.Contains("No API key can be used", StringComparison.Ordinal));
        Assert.StartsWith("Warning", hint);
        Assert.Contains("Auth__BootstrapKey", hint);
        Assert.Contains("POST /api/v1/api-keys", hint);
        Assert.DoesNotContain(log.Lines, l => l.Contains("Development API key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Development_without_a_bootstrap_key_prints_a_key_that_works_and_keeps_it_across_runs()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("registry-devkey-").FullName, "dev-api-key");
        try
        {
            string first;
            var (api, log) = await StartAsync("Development", ("Auth:BootstrapKey", ""), ("Auth:DevelopmentKeyFile", file));
            await using (api)
            {
                using var client = api.CreateAnonymousClient(); // starts the API
                first = PrintedKey(log);
                Assert.Equal(first, (await File.ReadAllTextAsync(file)).Trim());
                if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
                client.DefaultRequestHeaders.Add(RegistryApiFactory.ApiKeyHeader, first);
                await client.CreateAsync(FeatureApi.Minimal("auth_dev_key_feature"));
                Assert.Contains(log.Lines, l => l.Contains("Authorize", StringComparison.Ordinal) && l.Contains(first, StringComparison.Ordinal));
            }

            var (again, log2) = await StartAsync("Development", ("Auth:BootstrapKey", ""), ("Auth:DevelopmentKeyFile", file));
            await using (again)
            {
                using var client = again.CreateClientWithKey(first);
                await (await client.GetAsync(FeatureApi.Url)).ExpectAsync(200);
                Assert.Equal(first, PrintedKey(log2));
            }
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    [Fact]
    public async Task A_configured_bootstrap_key_is_never_printed_not_even_in_development()
    {
        var (api, log) = await StartAsync("Development", ("Auth:DevelopmentKeyFile", Path.Combine(Path.GetTempPath(), $"never-{Guid.NewGuid():N}")));
        await using var _ = api;
        using var client = api.CreateClient();
        await (await client.GetAsync(FeatureApi.Url)).ExpectAsync(200);
        Assert.DoesNotContain(api.AdminKey, log.Text);
        Assert.DoesNotContain(log.Lines, l => l.Contains("Development API key", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_short_bootstrap_key_stops_start_up_with_a_clear_message()
    {
        var (api, _) = await StartAsync(null, ("Auth:BootstrapKey", "changeme"));
        await using var __ = api;
        var error = Assert.Throws<InvalidOperationException>(() => api.CreateClient());
        Assert.Contains("at least 32 characters", error.Message);
        Assert.DoesNotContain("changeme", error.Message);
    }

    private static string PrintedKey(LogCapture log)
    {
        var line = Assert.Single(log.Lines, l => l.Contains("Development API key (admin)", StringComparison.Ordinal));
        return DevKey().Match(line).Value;
    }

    [GeneratedRegex("frk_dev_[0-9a-f]{64}")]
    private static partial Regex DevKey();
}
