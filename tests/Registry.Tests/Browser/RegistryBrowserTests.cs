using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Registry.Api.Ui;
using Registry.Tests.FeatureSets;
using Registry.Tests.Infrastructure;
using Registry.Tests.Snapshots;
using Registry.Tests.Usage;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;
using static Registry.Tests.Infrastructure.ValueApi;

namespace Registry.Tests.Browser;

/// <summary>The registry browser at /ui, in headless Chromium, against the API on a real port and real data.</summary>
[Trait(TestCategory.Name, TestCategory.Slow)] // a browser
public sealed class RegistryBrowserTests(LiveApiFixture api, ITestOutputHelper output) : IClassFixture<LiveApiFixture>
{
    private Task<UiSession> OpenAsync(string hash = "#/", int width = 1400, bool enterKey = true) => UiSession.OpenAsync(api, output, hash, width, enterKey);

    [Fact]
    public async Task Search_finds_a_feature_whose_page_shows_its_definition_and_the_key_never_leaves_the_header()
    {
        using var client = api.CreateClient();
        await client.CreateAsync(FeatureApi.Minimal("uicat_close"));
        await client.CreateAsync(FeatureApi.StockRsi("uicat_rsi_14d", "uicat_close"));
        await client.CreateAsync(FeatureApi.Minimal("uicat_spread", owner: "risk-team"));
        await client.ActivateAsync("uicat_close");

        await using var ui = await OpenAsync(enterKey: false);
        var page = ui.Page;
        await Expect(page.Locator("main")).ToContainTextAsync("Enter an API key");
        var apiRequests = new List<IRequest>();
        page.Request += (_, r) => { if (r.Url.Contains("/api/v1/", StringComparison.Ordinal)) apiRequests.Add(r); };
        await ui.EnterKeyAsync(api.AdminKey);

        await page.GetByLabel("Search").FillAsync("uicat_");
        var results = page.Locator("table.catalogue tbody tr");
        await Expect(results).ToHaveCountAsync(3);
        await Expect(page.Locator("p.count")).ToHaveTextAsync("1–3 of 3 features");
        await Expect(results.Nth(0).Locator("td").Nth(1)).ToHaveTextAsync("active"); // ordered by name: uicat_close first
        await page.GetByLabel("Owner").FillAsync("risk-team");
        await Expect(results).ToHaveCountAsync(1);
        await Expect(results.First.Locator("a")).ToHaveTextAsync("uicat_spread");
        await page.GetByLabel("Owner").FillAsync("");
        await page.GetByLabel("Tags (all of)").FillAsync("momentum, oscillator");
        await Expect(results).ToHaveCountAsync(1);
        await Expect(page).ToHaveURLAsync(new Regex(@"#/\?search=uicat_&tags=momentum"));
        await ui.ScreenshotAsync("ui-catalogue");

        await results.First.GetByRole(AriaRole.Link, new() { Name = "uicat_rsi_14d" }).ClickAsync();
        await Expect(page.Locator("main h1")).ToHaveTextAsync("uicat_rsi_14d");
        var main = page.Locator("main");
        await Expect(main).ToContainTextAsync("14-day Relative Strength Index");
        await Expect(main.Locator("pre.code")).ToHaveTextAsync("def calculate_rsi(prices, period=14): ...");
        await Expect(main).ToContainTextAsync("technical_indicator");
        await Expect(main.Locator("td", new() { HasText = "period" })).ToBeVisibleAsync();
        await Expect(main.Locator("td", new() { HasText = "range" })).ToBeVisibleAsync();
        await Expect(main.Locator("ul.transitions li")).ToHaveTextAsync(["activate → active", "deprecate → deprecated", "archive (DELETE) → archived"]);
        await Expect(main.GetByRole(AriaRole.Link, new() { Name = "uicat_close" })).ToBeVisibleAsync();
        await ui.ScreenshotAsync("ui-feature");

        // Each API call carried the key in its header; a reload keeps it for the tab (sessionStorage), a new session does not.
        Assert.NotEmpty(apiRequests);
        foreach (var request in apiRequests) Assert.Equal(api.AdminKey, (await request.AllHeadersAsync())["x-api-key"]);
        Assert.Equal(api.AdminKey, await ui.EvalAsync<string>("() => sessionStorage.getItem('registry.api_key')"));
        await page.ReloadAsync();
        await Expect(page.Locator("main h1")).ToHaveTextAsync("uicat_rsi_14d");
        await using var other = await OpenAsync("#/features/uicat_rsi_14d", enterKey: false);
        await Expect(other.Page.Locator("main")).ToContainTextAsync("Enter an API key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Forget key" }).ClickAsync();
        Assert.Null(await ui.EvalAsync<string?>("() => sessionStorage.getItem('registry.api_key')"));
    }

    [Fact]
    public async Task The_lineage_graph_has_the_api_nodes_and_edges_left_to_right_a_click_navigates_and_impact_lists_the_model()
    {
        using var client = api.CreateClient();
        await client.CreateAsync("uilin_prices");
        await client.CreateAsync("uilin_returns", "uilin_prices");
        await client.CreateAsync("uilin_vol", "uilin_returns");
        await client.CreateAsync("uilin_risk", "uilin_vol", "uilin_prices");
        await client.CreateAsync("uilin_old", "uilin_returns");
        await client.ActivateAsync("uilin_prices");
        await client.ActivateAsync("uilin_returns");
        await client.ActivateAsync("uilin_vol");
        await (await client.PostAsync($"{FeatureApi.Url}/uilin_old/deprecate", null)).ExpectAsync(200);
        await client.RecordAsync(UsageApi.Record("uilin_risk", model: "uilin_portfolio_model"));
        var json = (await (await client.GetAsync($"{FeatureApi.Url}/uilin_returns/lineage?recursive=true&direction=both&depth=5")).ExpectAsync(200))!;
        var expectedNodes = json["nodes"]!.AsArray().Select(n => (string)n!["feature_name"]!).Append("uilin_returns").Order().Distinct().ToList();
        var expectedEdges = json["edges"]!.AsArray().Select(e => $"{e!["from"]}>{e!["to"]}").Order().ToList();

        await using var ui = await OpenAsync("#/features/uilin_returns/lineage?direction=both&depth=5");
        var page = ui.Page;
        var graph = page.Locator("#lineage-graph[data-render-ms]");
        await Expect(graph).ToBeVisibleAsync();
        var drawn = await graph.EvaluateAsync<JsonElement>("""
            el => ({
              nodes: el.cy.nodes().map(n => n.id()).sort(),
              edges: el.cy.edges().map(e => e.source().id() + '>' + e.target().id()).sort(),
              asked: el.cy.nodes('.asked').map(n => n.id()),
              x: Object.fromEntries(el.cy.nodes().map(n => [n.id(), n.position('x')])),
              status: Object.fromEntries(el.cy.nodes().map(n => [n.id(), n.data('status')])),
            })
            """);
        Assert.Equal(expectedNodes, drawn.GetProperty("nodes").EnumerateArray().Select(n => n.GetString()!).ToList());
        Assert.Equal(expectedEdges, drawn.GetProperty("edges").EnumerateArray().Select(n => n.GetString()!).ToList());
        Assert.Equal(["uilin_returns"], drawn.GetProperty("asked").EnumerateArray().Select(n => n.GetString()!));
        Assert.Equal("deprecated", drawn.GetProperty("status").GetProperty("uilin_old").GetString());
        double X(string n) => drawn.GetProperty("x").GetProperty(n).GetDouble();
        Assert.True(X("uilin_prices") < X("uilin_returns") && X("uilin_returns") < X("uilin_vol") && X("uilin_vol") < X("uilin_risk"), "laid out left to right");
        await Expect(page.Locator("#lineage-nodes tbody tr")).ToHaveCountAsync(expectedNodes.Count);
        await Expect(page.Locator("#lineage-edges li")).ToHaveCountAsync(expectedEdges.Count);
        await ui.ScreenshotAsync("ui-lineage");

        // Impact, one click away: the model that used a downstream feature.
        await page.GetByRole(AriaRole.Button, new() { Name = "Impact of deprecating or breaking it" }).ClickAsync();
        await Expect(page.Locator("#impact-models")).ToContainTextAsync("uilin_portfolio_model");
        await Expect(page.Locator("#impact")).ToContainTextAsync("Deprecation is refused");

        // A click on a node, where it is drawn, opens that feature's lineage.
        var box = (await graph.BoundingBoxAsync())!;
        var at = await graph.EvaluateAsync<JsonElement>("el => el.cy.getElementById('uilin_vol').renderedPosition()");
        await page.Mouse.ClickAsync(box.X + at.GetProperty("x").GetSingle(), box.Y + at.GetProperty("y").GetSingle());
        await Expect(page).ToHaveURLAsync(new Regex("#/features/uilin_vol/lineage\\?direction=both&depth=5$"));
        await Expect(page.Locator("main h1")).ToHaveTextAsync("uilin_vol");
        await Expect(page.Locator("#lineage-graph[data-render-ms]")).ToBeVisibleAsync();
        Assert.Equal(["uilin_vol"], await page.Locator("#lineage-graph").EvaluateAsync<string[]>("el => el.cy.nodes('.asked').map(n => n.id())"));
    }

    [Fact]
    public async Task Versions_are_a_timeline_newest_first_and_the_diff_of_two_shows_the_changed_fields()
    {
        using var client = api.CreateClient();
        var body = FeatureApi.Minimal("uiver_momentum");
        body["transformation"] = JsonNode.Parse("""{ "transformation_type": "python", "code": "close / close.shift(window) - 1", "parameters": { "window": 10 } }""");
        await client.CreateAsync(body);
        await (await client.PostJsonAsync($"{FeatureApi.Url}/uiver_momentum/versions", """
            { "version": "2.0.0", "breaking_changes": true, "changelog": "Log returns over 20 days.", "created_by": "quant-team",
              "transformation": { "transformation_type": "python", "code": "np.log(close / close.shift(window))", "parameters": { "window": 20 } } }
            """)).ExpectAsync(201);
        await (await client.PostAsync($"{FeatureApi.Url}/uiver_momentum/rollback?target_version=1.0.0", null)).ExpectAsync(201);

        await using var ui = await OpenAsync("#/features/uiver_momentum/versions");
        var page = ui.Page;
        var entries = page.Locator("#version-timeline li");
        await Expect(entries).ToHaveCountAsync(3);
        // A rollback across a breaking boundary is itself breaking: a new major (ADR 0027).
        await Expect(entries.Nth(0)).ToContainTextAsync("3.0.0");
        await Expect(entries.Nth(0)).ToContainTextAsync("breaking");
        await Expect(entries.Nth(0)).ToContainTextAsync("current");
        await Expect(entries.Nth(0)).ToContainTextAsync("rollback: restores 1.0.0");
        await Expect(entries.Nth(1)).ToContainTextAsync("2.0.0");
        await Expect(entries.Nth(1)).ToContainTextAsync("breaking");
        await Expect(entries.Nth(1)).ToContainTextAsync("Log returns over 20 days.");
        await Expect(entries.Nth(2)).ToContainTextAsync("1.0.0");

        await page.GetByLabel("From").SelectOptionAsync("1.0.0");
        await page.GetByLabel("To").SelectOptionAsync("2.0.0");
        var window = page.Locator("#diff-table tr", new() { HasText = "transformation.parameters.window" });
        await Expect(window).ToHaveCountAsync(1);
        await Expect(window.Locator("td").Nth(1)).ToHaveTextAsync("changed");
        await Expect(window.Locator("td").Nth(2)).ToHaveTextAsync("10");
        await Expect(window.Locator("td").Nth(3)).ToHaveTextAsync("20");
        await Expect(page.Locator("#diff-table tr", new() { HasText = "transformation.code" })).ToContainTextAsync("np.log(close / close.shift(window))");
        await Expect(page).ToHaveURLAsync(new Regex("versions\\?from=1.0.0&to=2.0.0$"));
        await ui.ScreenshotAsync("ui-versions");
    }

    [Fact]
    public async Task The_values_chart_plots_the_ingested_points_beside_the_latest_values_and_the_validation_report()
    {
        using var client = api.CreateClient();
        var body = FeatureApi.Minimal("uival_close");
        body["validation_rules"] = JsonNode.Parse("""[{ "rule_type": "range", "parameters": { "min": 0, "max": 1000 }, "is_blocking": true }]""");
        await client.CreateAsync(body);
        var aapl = Enumerable.Range(0, 6).Select(d => (Day(d), 180.5 + d * 1.25)).ToList();
        var msft = Enumerable.Range(0, 3).Select(d => (Day(d * 2), 370.25 - d)).ToList();
        await client.IngestAsync("uival_close", [.. aapl.Select(p => Row("AAPL", p.Item1, p.Item2)), .. msft.Select(p => Row("MSFT", p.Item1, p.Item2))]);

        await using var ui = await OpenAsync("#/features/uival_close/values?entity_id=AAPL,MSFT");
        var page = ui.Page;
        await Expect(page.Locator("#values-chart")).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("() => document.getElementById('values-chart').chart !== undefined");
        var plotted = await page.Locator("#values-chart").EvaluateAsync<JsonElement>(
            "el => el.chart.data.datasets.map(d => ({ label: d.label, points: d.data.map(p => [p.x, p.y]) }))");
        Assert.Equal(["AAPL", "MSFT"], plotted.EnumerateArray().Select(d => d.GetProperty("label").GetString()));
        foreach (var (entity, points) in new[] { ("AAPL", aapl), ("MSFT", msft) })
        {
            var series = plotted.EnumerateArray().Single(d => d.GetProperty("label").GetString() == entity).GetProperty("points");
            Assert.Equal(points.Select(p => (DateTimeOffset.Parse(p.Item1, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(), p.Item2)),
                series.EnumerateArray().Select(p => (p[0].GetInt64(), p[1].GetDouble())));
        }
        await Expect(page.Locator("#latest-table tbody tr")).ToHaveCountAsync(2);
        await Expect(page.Locator("#latest-table tbody tr", new() { HasText = "AAPL" })).ToContainTextAsync("186.75");
        await Expect(page.Locator("#validation-verdict")).ToContainTextAsync("Valid");
        await Expect(page.Locator("#validation-verdict")).ToContainTextAsync("9 rows checked");
        await Expect(page.Locator("#quality-flags")).ToContainTextAsync("insufficient_history");
        await ui.ScreenshotAsync("ui-values");
    }

    [Fact]
    public async Task Usage_charts_show_each_model_environment_and_version_with_importance_and_correlation()
    {
        using var client = api.CreateClient();
        await client.CreateAsync("uiuse_close");
        await client.RecordAsync(UsageApi.Record("uiuse_close", model: "uiuse_alpha", environment: "production", importance: 0.4, correlation: 0.2));
        await client.RecordAsync(UsageApi.Record("uiuse_close", model: "uiuse_alpha", environment: "production", importance: 0.6, correlation: 0.3));
        await client.RecordAsync(UsageApi.Record("uiuse_close", model: "uiuse_beta", environment: "staging", importance: 0.1, correlation: -0.05));

        await using var ui = await OpenAsync("#/features/uiuse_close/usage");
        var page = ui.Page;
        await page.WaitForFunctionAsync("() => document.getElementById('usage-by-model')?.chart && document.getElementById('usage-by-version')?.chart");
        var byVersion = await page.Locator("#usage-by-version").EvaluateAsync<JsonElement>(
            "el => ({ labels: el.chart.data.labels, data: Object.fromEntries(el.chart.data.datasets.map(d => [d.label, d.data])) })");
        Assert.Equal(["1.0.0"], byVersion.GetProperty("labels").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal(2, byVersion.GetProperty("data").GetProperty("production")[0].GetInt32());
        Assert.Equal(1, byVersion.GetProperty("data").GetProperty("staging")[0].GetInt32());
        var rows = page.Locator("#usage-table tbody tr");
        await Expect(rows).ToHaveCountAsync(2);
        await Expect(rows.Nth(0)).ToContainTextAsync("uiuse_alpha");
        await Expect(rows.Nth(0).Locator("td").Nth(5)).ToHaveTextAsync("0.5");
        await Expect(rows.Nth(0).Locator("td").Nth(6)).ToHaveTextAsync("0.25");
        await Expect(rows.Nth(1)).ToContainTextAsync("staging");
        await ui.ScreenshotAsync("ui-usage");
    }

    [Fact]
    public async Task A_feature_set_shows_its_pinned_members_an_online_vector_and_its_snapshot_with_statistics_and_models()
    {
        using var client = api.CreateClient();
        await SnapshotApi.SeedAsync(client, "uisnap");
        var snapshot = await client.CreateSnapshotAsync("uisnap_set", SnapshotApi.Body(SnapshotApi.Jan1, SnapshotApi.Jan1.AddDays(4), "1d", "AAPL", "MSFT"));
        var id = (string)snapshot["snapshot_id"]!;
        await (await client.PostJsonAsync($"{SnapshotApi.Url(id)}/usage", """
            {"used_by_model": "uisnap_classifier", "model_version": "2.4.0", "environment": "staging", "execution_id": "train-0001"}
            """)).ExpectAsync(201);

        await using var ui = await OpenAsync("#/feature-sets");
        var page = ui.Page;
        await page.GetByRole(AriaRole.Link, new() { Name = "uisnap_set" }).ClickAsync();
        await Expect(page.Locator("main h1")).ToHaveTextAsync("uisnap_set");
        await Expect(page.Locator("#members tbody tr")).ToHaveCountAsync(3);
        await Expect(page.Locator("#members tbody tr").Nth(0)).ToContainTextAsync("uisnap_close1.0.0");

        await page.GetByLabel("Entities (comma-separated)").FillAsync("AAPL, NOPE");
        await page.GetByRole(AriaRole.Button, new() { Name = "Get online vector" }).ClickAsync();
        var aapl = page.Locator(".vector", new() { HasText = "AAPL" });
        await Expect(aapl.Locator("tbody tr", new() { HasText = "uisnap_close" })).ToContainTextAsync("186.75");
        await Expect(page.Locator(".vector", new() { HasText = "NOPE" })).ToContainTextAsync("No value for uisnap_close, uisnap_volume, uisnap_sector.");
        await ui.ScreenshotAsync("ui-feature-set");

        await page.Locator("#snapshots").GetByRole(AriaRole.Link).First.ClickAsync();
        await Expect(page.Locator("main h1")).ToHaveTextAsync($"Snapshot {id}");
        var normalization = await client.GetJsonAsync($"{SnapshotApi.Url(id)}/normalization");
        var close = normalization["features"]!.AsArray().Single(f => (string)f!["feature_name"]! == "uisnap_close")!;
        var row = page.Locator("#normalization tbody tr", new() { HasText = "uisnap_close" });
        await Expect(row.Locator("td").Nth(2)).ToHaveTextAsync(((long)close["count"]!).ToString(CultureInfo.InvariantCulture));
        await Expect(row.Locator("td").Nth(3)).ToHaveTextAsync(Math.Round((double)close["mean"]!, 4, MidpointRounding.AwayFromZero).ToString(CultureInfo.InvariantCulture));
        await Expect(page.Locator("#snapshot-usage")).ToContainTextAsync("uisnap_classifier");
        await ui.ScreenshotAsync("ui-snapshot");
    }

    [Fact]
    public async Task Hostile_strings_and_the_longest_name_render_as_text_with_no_script_run_and_no_overflow()
    {
        const string description = "<img src=x onerror=alert(1)>";
        const string owner = "<script>alert(2)</script>";
        const string tag = "\"><svg/onload=alert(3)>"; // tags cannot hold whitespace
        const string code = "</pre><img src=x onerror=alert(4)><b>bold</b>";
        const string model = "<img src=x onerror=alert(5)>";
        var name = "uihostile_" + new string('x', 90);
        Assert.Equal(100, name.Length); // the longest name the API accepts
        using var client = api.CreateClient();
        await client.CreateAsync(FeatureApi.Minimal("uihostile_up", owner: owner));
        var body = FeatureApi.Minimal(name, owner: owner);
        body["description"] = description;
        body["tags"] = new JsonArray(tag, "<i>x</i>");
        body["upstream_features"] = new JsonArray("uihostile_up");
        body["transformation"] = new JsonObject
        {
            ["transformation_type"] = "python", ["code"] = code, ["parameters"] = new JsonObject { ["<b>k</b>"] = "<i>v</i>" },
        };
        await client.CreateAsync(body);
        await client.RecordAsync(UsageApi.Record(name, model: model));

        await using var ui = await OpenAsync("#/?search=uihostile_x", width: 1280);
        var page = ui.Page;
        var main = page.Locator("main");
        await Expect(page.Locator("table.catalogue tbody tr")).ToHaveCountAsync(1);
        await Expect(main.Locator("td.description")).ToHaveTextAsync(description);
        await AssertOnlyTextAsync(ui, "catalogue");

        await ui.GoAsync($"#/features/{name}");
        await Expect(page.Locator("main h1")).ToHaveTextAsync(name);
        await Expect(main.Locator("p.prose")).ToHaveTextAsync(description);
        await Expect(main.Locator("pre.code")).ToHaveTextAsync(code);
        await Expect(main.Locator(".chip").First).ToHaveTextAsync(tag);
        await Expect(main.Locator("dd", new() { HasText = owner })).ToHaveCountAsync(1);
        await Expect(main.Locator("td", new() { HasText = "<b>k</b>" })).ToHaveCountAsync(1);
        await AssertOnlyTextAsync(ui, "feature");
        await ui.ScreenshotAsync("ui-hostile");

        await ui.GoAsync($"#/features/{name}/lineage");
        await Expect(page.Locator("#lineage-graph[data-render-ms]")).ToBeVisibleAsync();
        await Expect(page.Locator("#lineage-nodes")).ToContainTextAsync(owner);
        await AssertOnlyTextAsync(ui, "lineage");

        await ui.GoAsync($"#/features/{name}/usage");
        await Expect(page.Locator("#usage-table")).ToContainTextAsync(model);
        await AssertOnlyTextAsync(ui, "usage");
    }

    /// <summary>No element came out of a user string, and nothing is wider than the window.</summary>
    private static async Task AssertOnlyTextAsync(UiSession ui, string where)
    {
        var injected = await ui.EvalAsync<int>("() => document.querySelectorAll('main img, main svg, main script, main b, main i, main iframe').length");
        Assert.True(injected == 0, $"{where}: {injected} element(s) made from user strings");
        var widths = await ui.EvalAsync<int[]>("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]");
        Assert.True(widths[0] <= widths[1], $"{where}: the page is {widths[0]} px wide in a {widths[1]} px window");
    }

    [Fact]
    public async Task Ui_files_come_with_a_strict_content_security_policy_that_the_page_really_enforces()
    {
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = api.BaseAddress };
        var redirect = await anonymous.GetAsync("/ui");
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal("/ui/", redirect.Headers.Location?.OriginalString);
        foreach (var (file, type) in new[] { ("/ui/", "text/html"), ("/ui/app.js", "text/javascript"), ("/ui/app.css", "text/css") })
        {
            var response = await anonymous.GetAsync(file); // the files need no key: the key is entered in the page
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(UiSetup.ContentSecurityPolicy, string.Join(";", response.Headers.GetValues("Content-Security-Policy")));
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        }
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync("/ui/nothing.js")).StatusCode);
        var csp = UiSetup.ContentSecurityPolicy.Split(';', StringSplitOptions.TrimEntries).ToHashSet();
        Assert.Contains("script-src 'self'", csp);
        Assert.Contains("style-src 'self'", csp);
        Assert.Contains("connect-src 'self'", csp);
        Assert.Contains("default-src 'none'", csp);
        Assert.Contains("require-trusted-types-for 'script'", csp);
        var html = await anonymous.GetStringAsync("/ui/");
        Assert.DoesNotMatch("<script(?![^>]*\\bsrc=\"app\\.js\")", html); // no inline script
        Assert.DoesNotContain("<style", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http", html, StringComparison.Ordinal); // no CDN, nothing from elsewhere

        await using var ui = await OpenAsync();
        // Enforced, not only sent: an HTML sink throws (Trusted Types) and an inline script does not run.
        ui.Tolerate("requires 'TrustedHTML' assignment", "requires 'TrustedScript' assignment", "trusted-types-sink", "script-src-attr", "inline event handler");
        Assert.Equal("TypeError", await ui.EvalAsync<string>("() => { try { document.body.innerHTML = '<b>x</b>'; return 'assigned'; } catch (e) { return e.name; } }"));
        Assert.Equal("TypeError", await ui.EvalAsync<string>("""
            () => { try { const s = document.createElement('script'); s.textContent = 'window.__inline = true'; document.head.append(s); return String(window.__inline); } catch (e) { return e.name; } }
            """));
        Assert.Equal("TypeError", await ui.EvalAsync<string>("""
            () => { try { const b = document.createElement('button'); b.setAttribute('onclick', 'window.__clicked = true'); document.body.append(b); b.click(); b.remove(); return window.__clicked ? 'ran' : 'blocked'; } catch (e) { return e.name; } }
            """));
        await ui.EvalAsync<bool>("() => { window.__cspViolations.length = 0; return true; }"); // the probes' own violations
    }
}
