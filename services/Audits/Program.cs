using Traceability.Hosting;

// Audits has health, migrations (its outbox and inbox) and the bus so far; its features come with their issues.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddTraceabilityService("audits");

var app = builder.Build();
app.UseTraceabilityDefaults();

await app.RunWithMigrationsAsync(typeof(Program).Assembly);

/// <summary>The Audits service's entry point (public for the test host).</summary>
public partial class Program;
