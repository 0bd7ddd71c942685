using Registry.Api.Infrastructure;
using Registry.Api.Operations;
using Registry.Api.Ui;

var builder = WebApplication.CreateBuilder(args);

await builder.AddRegistryDatabaseAsync();   // PostgreSQL: configured, or a local cluster in Development
builder.AddRegistryValueStore();            // DuckDB: the file holding feature values
builder.AddRegistrySnapshotFiles();         // Parquet snapshots: the folder they are written to
builder.Services.AddRegistryServices();     // domain services (Registry.Core)
builder.Services.AddRegistryApi();          // controllers, snake_case JSON, problem details
builder.Services.AddRegistryValidation();   // FluentValidation: Registry.Core's validators run on every request body
builder.Services.AddRegistryMapping();      // Mapster: wire responses from one explicit, compiled configuration
builder.Services.AddRegistrySwagger();      // OpenAPI document and Swagger UI
builder.Services.AddRegistryOperations(builder.Configuration); // body limits, health checks, metrics
builder.AddRegistryAuth();                  // API keys and scopes, per-key rate limits

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseRequestBodyLimits();
app.UseRegistrySwagger();
app.UseRegistryUi();                        // the registry browser at /ui: static files, strict CSP
app.UseRegistryAuth();
app.MapControllers();
app.MapRegistryOperations();                // /health/live, /health/ready, /metrics

await app.RunAsync();

/// <summary>Visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
