using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Registry.Tests.Infrastructure;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Registry.Tests.Browser;

/// <summary>Swagger UI as a person uses it: in a real browser, against the API on a real port.</summary>
[Trait(TestCategory.Name, TestCategory.Slow)] // a browser
public sealed class SwaggerUiTests(LiveApiFixture api, ITestOutputHelper output) : IClassFixture<LiveApiFixture>
{
    private static readonly string[] Examples = ["stock_daily_close", "stock_rsi_14d"];

    [Fact]
    public async Task Every_operation_in_the_document_is_listed()
    {
        using var client = api.CreateClient();
        var doc = JsonNode.Parse(await client.GetStringAsync("/swagger/v1/swagger.json"))!;
        var operations = (
            from path in doc["paths"]!.AsObject()
            from operation in path.Value!.AsObject()
            select (Path: path.Key, Method: operation.Key.ToUpperInvariant(),
                Tag: (string)operation.Value!["tags"]![0]!, Id: (string)operation.Value!["operationId"]!)).ToList();
        Assert.NotEmpty(operations);

        var page = await OpenSwaggerUiAsync();
        await RunAsync(page, "swagger-ui-operations", subject: null, async () =>
        {
            await Expect(page.Locator(".opblock")).ToHaveCountAsync(operations.Count);
            foreach (var (path, method, tag, id) in operations)
            {
                // Swagger UI gives each operation the element id operations-{tag}-{operationId}.
                var block = page.Locator($"#operations-{tag}-{id}");
                await Expect(block).ToBeVisibleAsync();
                await Expect(block.Locator(".opblock-summary-method")).ToHaveTextAsync(method);
                await Expect(block.Locator(".opblock-summary-path")).ToHaveAttributeAsync("data-path", path);
            }
        });
    }

    [Fact]
    public async Task Try_it_out_registers_a_feature_after_authorize_and_shows_the_problem_document_of_a_bad_request()
    {
        var page = await OpenSwaggerUiAsync();
        var create = page.Locator("#operations-Features-createFeature");
        await RunAsync(page, "swagger-ui-try-it-out", create, async () =>
        {
            await create.Locator(".opblock-summary").ClickAsync();
            await create.GetByRole(AriaRole.Button, new() { Name = "Try it out" }).ClickAsync();

            var examples = create.Locator(".opblock-section-request-body .examples-select select");
            var body = create.Locator("textarea.body-param__text");
            var status = create.Locator(".live-responses-table .response .response-col_status");
            var response = create.Locator(".live-responses-table .response .response-col_description");

            // Without a key the API answers 401, and says how to send one.
            await create.Locator("button.execute").ClickAsync();
            await Expect(status).ToHaveTextAsync("401");
            await Expect(response).ToContainTextAsync("An API key is required.");

            // Authorize, as the README says: paste the key into the X-API-Key scheme.
            await page.Locator(".auth-wrapper button.authorize").ClickAsync();
            var scheme = page.Locator(".modal-ux form").Filter(new() { HasText = "X-API-Key" }); // one form per scheme
            await scheme.Locator("input").FillAsync(api.AdminKey);
            await scheme.Locator("button.authorize").ClickAsync(); // "Apply credentials"
            await Expect(scheme).ToContainTextAsync("Authorized");
            await scheme.Locator("button.btn-done").ClickAsync();
            await Expect(page.Locator(".modal-ux")).ToHaveCountAsync(0);

            // The declared examples, in the README's order: the raw input first, then the RSI that depends on it.
            foreach (var example in Examples)
            {
                await examples.SelectOptionAsync(example);
                await Expect(body).ToHaveValueAsync(new Regex($"\"feature_name\": \"{example}\""));
                await create.Locator("button.execute").ClickAsync();
                // The body first: the status cell still shows the previous answer until the new one arrives.
                await Expect(response).ToContainTextAsync($"\"feature_name\": \"{example}\"");
                await Expect(status).ToHaveTextAsync("201");
            }

            await body.FillAsync("""{ "feature_name": "Stock Close!", "feature_type": "raw", "data_type": "float", "owner": "quant-team" }""");
            await create.Locator("button.execute").ClickAsync();
            await Expect(status).ToHaveTextAsync("400");
            await Expect(response).ToContainTextAsync("application/problem+json");
            await Expect(response).ToContainTextAsync("\"status\": 400");
            await Expect(response).ToContainTextAsync("\"feature_name\": [");
        });
    }

    private async Task<IPage> OpenSwaggerUiAsync()
    {
        var context = await api.Browser.NewContextAsync(new()
        {
            BaseURL = api.BaseAddress.ToString(),
            ViewportSize = new() { Width = 1400, Height = 1000 },
        });
        var page = await context.NewPageAsync();
        await page.GotoAsync("/swagger");
        return page;
    }

    /// <summary>
    /// Runs the steps, then saves a screenshot of the subject (or the whole page); after a failure too, since the
    /// picture shows what went wrong. The path is printed in the test's output.
    /// </summary>
    private async Task RunAsync(IPage page, string name, ILocator? subject, Func<Task> steps)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "artifacts");
        Directory.CreateDirectory(dir);
        try
        {
            await steps();
            await SaveAsync(Path.Combine(dir, name + ".png"));
        }
        catch
        {
            await SaveAsync(Path.Combine(dir, name + "-failed.png"));
            throw;
        }
        finally
        {
            await page.Context.CloseAsync();
        }

        async Task SaveAsync(string path)
        {
            if (subject is not null && await subject.CountAsync() == 1) await subject.ScreenshotAsync(new() { Path = path });
            else await page.ScreenshotAsync(new() { Path = path, FullPage = true });
            output.WriteLine($"screenshot: {path}");
        }
    }
}
