using Traceability.Hosting;
using Traceability.Provenance.Exporters;
using Traceability.Provenance.Features.GetShipment;
using Traceability.Provenance.Features.ManageExporters;
using Traceability.Provenance.Features.RecordShipment;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddTraceabilityService("provenance");
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.Configure<AdminOptions>(builder.Configuration.GetSection("Admin"));
builder.Services.AddSingleton<ExporterKeys>();
builder.Services.AddSingleton<ExporterAccounts>();
builder.Services.AddSingleton<RecordShipmentHandler>();
builder.Services.AddExporterRateLimit(builder.Configuration);

var app = builder.Build();
if (ExporterCommandLine.Handles(args))
{
    return await ExporterCommandLine.RunAsync(app, args);
}

app.UseTraceabilityDefaults();
app.UseRateLimiter();

var admin = app.MapGroup("/admin").AddEndpointFilter<RequireAdmin>().WithTags("Admin");
admin.MapManageExporters();

var api = app.MapGroup("/api/v1").AddEndpointFilter<RequireExporter>().RequireRateLimiting(ExporterRateLimit.Policy);
api.MapRecordShipment();
api.MapGetShipment();

await app.RunWithMigrationsAsync(typeof(Program).Assembly);
return 0;

/// <summary>The Provenance service's entry point (public for the test host).</summary>
public partial class Program;
