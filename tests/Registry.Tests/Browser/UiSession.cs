using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Registry.Tests.Browser;

/// <summary>
/// One browser tab on the registry browser, as a person uses it: the key typed into the page once. It watches what a
/// person would not see: every request URL (the key must never be in one), Content-Security-Policy violations, script
/// errors and dialogs (an alert means injected script ran). <see cref="DisposeAsync"/> fails the test on any of them,
/// after saving a screenshot named after the step (test artefacts; the path is printed).
/// </summary>
public sealed class UiSession : IAsyncDisposable
{
    private const string WatchViolations = """
        window.__cspViolations = [];
        document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`));
        """;

    private readonly LiveApiFixture _api;
    private readonly ITestOutputHelper _output;
    private readonly ConcurrentQueue<string> _urls = new();
    private readonly ConcurrentQueue<string> _problems = new();
    private readonly List<string> _expected = [];

    private UiSession(LiveApiFixture api, ITestOutputHelper output, IPage page)
    {
        _api = api;
        _output = output;
        Page = page;
        page.Request += (_, request) => _urls.Enqueue(request.Url);
        page.FrameNavigated += (_, frame) => _urls.Enqueue(frame.Url);
        page.PageError += (_, error) => _problems.Enqueue($"script error: {error}");
        page.Console += (_, message) =>
        {
            if (message.Type == "error") _problems.Enqueue($"console error: {message.Text}");
        };
        page.Dialog += async (_, dialog) =>
        {
            _problems.Enqueue($"a dialog opened ({dialog.Type}: {dialog.Message}): injected script ran");
            await dialog.DismissAsync();
        };
    }

    public IPage Page { get; }

    /// <summary>Opens /ui in a new context (a new browser session) and enters the admin key in the page's key form.</summary>
    public static async Task<UiSession> OpenAsync(LiveApiFixture api, ITestOutputHelper output, string hash = "#/", int width = 1400, bool enterKey = true)
    {
        var context = await api.Browser.NewContextAsync(new()
        {
            BaseURL = api.BaseAddress.ToString(),
            ViewportSize = new() { Width = width, Height = 1000 },
        });
        await context.AddInitScriptAsync(WatchViolations);
        var session = new UiSession(api, output, await context.NewPageAsync());
        await session.Page.GotoAsync("/ui/" + hash);
        if (enterKey) await session.EnterKeyAsync(api.AdminKey);
        return session;
    }

    public async Task EnterKeyAsync(string key)
    {
        await Page.GetByLabel("API key").FillAsync(key);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Use key" }).ClickAsync();
        await Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Forget key" })).ToBeVisibleAsync();
    }

    /// <summary>Goes to a page of the app in the same tab (the session's key stays in sessionStorage).</summary>
    public async Task GoAsync(string hash)
    {
        await Page.EvaluateAsync("hash => { location.hash = hash; }", hash);
        await Expect(Page.Locator("main h1")).ToBeVisibleAsync();
    }

    public IReadOnlyCollection<string> Urls => _urls;

    /// <summary>Problems that a test provokes on purpose (a probe of the CSP) and that must not fail it.</summary>
    public void Tolerate(params string[] fragments) => _expected.AddRange(fragments);

    public async Task<T> EvalAsync<T>(string script, object? arg = null) => await Page.EvaluateAsync<T>(script, arg);

    /// <summary>Saves a screenshot of the page as it is now, as a test artefact.</summary>
    public async Task ScreenshotAsync(string name)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name + ".png");
        await Page.ScreenshotAsync(new() { Path = path, FullPage = true });
        _output.WriteLine($"screenshot: {path}");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            var violations = await Page.EvaluateAsync<string[]>("() => window.__cspViolations ?? []");
            foreach (var v in violations) _problems.Enqueue($"Content-Security-Policy violation: {v}");
            var keyed = _urls.Where(u => u.Contains(_api.AdminKey, StringComparison.Ordinal)).ToList();
            foreach (var u in keyed) _problems.Enqueue($"the API key appeared in a URL: {u.Replace(_api.AdminKey, "<key>", StringComparison.Ordinal)}");
            var stored = await Page.EvaluateAsync<string>("() => JSON.stringify(Object.keys(localStorage))");
            if (JsonSerializer.Deserialize<string[]>(stored) is { Length: > 0 } local) _problems.Enqueue($"localStorage holds {string.Join(", ", local)}: the key must live in sessionStorage only");
        }
        finally
        {
            await Page.Context.CloseAsync();
        }
        var problems = _problems.Where(p => !_expected.Any(e => p.Contains(e, StringComparison.Ordinal))).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
