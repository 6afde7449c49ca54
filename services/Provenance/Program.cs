using Traceability.Hosting;
using Traceability.Provenance.Exporters;
using Traceability.Provenance.Features.GetShipment;
using Traceability.Provenance.Features.RecordShipment;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddTraceabilityService("provenance");
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<RecordShipmentHandler>();

var app = builder.Build();
app.UseTraceabilityDefaults();
var api = app.MapGroup("/api/v1").AddEndpointFilter<RequireExporter>();
api.MapRecordShipment();
api.MapGetShipment();

await app.RunWithMigrationsAsync(typeof(Program).Assembly);

/// <summary>The Provenance service's entry point (public for the test host).</summary>
public partial class Program;
