using Microsoft.Extensions.FileProviders;

namespace Registry.Api.Ui;

/// <summary>
/// The registry browser: static files built from frontend/ (copied to ui/ next to the assembly by the build), served at
/// /ui without a key, since every figure it shows comes from the API with the key the user enters in the page. Strict
/// headers on everything under /ui: only this origin's scripts, styles and API, no inline code, no HTML sinks (Trusted
/// Types), no framing. See docs/ui.md and ADR 0030.
/// </summary>
public static class UiSetup
{
    public const string PathPrefix = "/ui";

    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'";

    public static WebApplication UseRegistryUi(this WebApplication app)
    {
        var root = Path.Combine(AppContext.BaseDirectory, "ui");
        if (!File.Exists(Path.Combine(root, "index.html")))
        {
            app.Logger.UiNotBuilt(root);
        }

        app.Map(PathPrefix, ui =>
        {
            ui.Use((context, next) =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                headers["Cross-Origin-Opener-Policy"] = "same-origin";
                headers["Cross-Origin-Resource-Policy"] = "same-origin";
                // Revalidated on every load (ETag), so a rebuilt UI is picked up at once; the files are small.
                headers.CacheControl = "no-cache";
                // /ui → /ui/: the page's relative URLs (app.js, ../api/v1/) resolve against the trailing slash.
                if (!context.Request.Path.HasValue)
                {
                    context.Response.Redirect(context.Request.PathBase + "/" + context.Request.QueryString, permanent: false);
                    return Task.CompletedTask;
                }
                return next(context);
            });
            if (Directory.Exists(root))
            {
                var files = new PhysicalFileProvider(root);
                ui.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
                ui.UseStaticFiles(new StaticFileOptions { FileProvider = files });
            }
            ui.Run(context =>
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        });
        return app;
    }
}

internal static partial class UiLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "The registry browser is not built ({Root} has no index.html): /ui answers 404. `dotnet build` builds it from frontend/ with npm.")]
    public static partial void UiNotBuilt(this ILogger logger, string root);
}
