namespace Registry.Tests.Infrastructure;

/// <summary>What a test class uses of an in-process API, whether it has one of its own or shares one.</summary>
public interface IRegistryApi
{
    /// <summary>A client sending the bootstrap admin key.</summary>
    HttpClient CreateClient();

    HttpClient CreateAnonymousClient();

    HttpClient CreateClientWithKey(string key);

    Task<(string Key, string KeyId)> CreateKeyAsync(string scope, string name = "test key");

    Task<HttpClient> CreateClientWithScopeAsync(string scope);

    IServiceProvider Services { get; }

    string ConnectionString { get; }

    string AdminKey { get; }

    string ValuesDirectory { get; }
}

/// <summary>
/// One in-process API for the whole test run, shared by every test class that needs no settings of its own and
/// keeps to its own data (names of its own, filters on them): starting an API costs seconds, a test class
/// milliseconds (ADR 0038). A class that lists the whole registry, counts requests in /metrics, changes settings or
/// takes the database or the values file away keeps a <see cref="RegistryApiFactory"/> of its own instead.
/// Classes stay in collections of their own, so they still run in parallel, on the one API.
/// </summary>
public sealed class SharedApi : IRegistryApi, IAsyncLifetime
{
    private static readonly Lazy<Task<RegistryApiFactory>> Host = new(StartAsync);
    private RegistryApiFactory? _factory;

    private RegistryApiFactory Factory => _factory ?? throw new InvalidOperationException("the fixture is not initialised");

    public async Task InitializeAsync() => _factory = await Host.Value;

    /// <summary>Nothing: the API lives until the test process exits.</summary>
    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task<RegistryApiFactory> StartAsync()
    {
        var factory = new RegistryApiFactory();
        await ((IAsyncLifetime)factory).InitializeAsync();
        _ = factory.Server; // start it here, not inside the first test to ask (its timing would include the start)
        // Not stopped at exit: the cluster under it is stopped first, and the process ends anyway; only its folder goes.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(factory.ValuesDirectory, recursive: true); } catch (IOException) { /* best effort */ }
        };
        return factory;
    }

    public HttpClient CreateClient() => Factory.CreateClient();

    public HttpClient CreateAnonymousClient() => Factory.CreateAnonymousClient();

    public HttpClient CreateClientWithKey(string key) => Factory.CreateClientWithKey(key);

    public Task<(string Key, string KeyId)> CreateKeyAsync(string scope, string name = "test key") => Factory.CreateKeyAsync(scope, name);

    public Task<HttpClient> CreateClientWithScopeAsync(string scope) => Factory.CreateClientWithScopeAsync(scope);

    public IServiceProvider Services => Factory.Services;

    public string ConnectionString => Factory.ConnectionString;

    public string AdminKey => Factory.AdminKey;

    public string ValuesDirectory => Factory.ValuesDirectory;
}
