using MassTransit;
using Traceability.Contracts.Provenance;
using Traceability.Data;
using Traceability.Data.Messaging;
using Traceability.Hosting;
using Traceability.Provenance.Chain;
using Traceability.Provenance.Exporters;
using Traceability.Provenance.Features.CaptureEpcis;
using Traceability.Provenance.Features.ExporterFlags;
using Traceability.Provenance.Features.GetShipment;
using Traceability.Provenance.Features.ManageExporters;
using Traceability.Provenance.Features.RecordShipment;
using Traceability.Provenance.Features.RegisterFacility;
using Traceability.Provenance.Features.RegisterProduct;
using Traceability.Provenance.Features.VerifyChain;
using Traceability.Hosting.Idempotency;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddTraceabilityService("provenance", bus =>
{
    // Provenance's own copy of Risk's flags, for exporters' GET /api/v1/flags.
    bus.AddConsumer<FlagRaisedConsumer, RetryingConsumerDefinition<FlagRaisedConsumer>>();
    bus.AddConsumer<FlagStatusChangedConsumer, RetryingConsumerDefinition<FlagStatusChangedConsumer>>();
});
builder.Services.AddSingleton(TimeProvider.System);
// The shipments the relay sends at once go to the broker and Risk as one message per exporter (see OutboxPacking).
builder.Services.AddOutboxPacking<ShipmentRecorded, ShipmentsRecorded>((id, tenant, at, shipments) =>
    new ShipmentsRecorded { EventId = id, TenantId = tenant, OccurredAt = at, Shipments = shipments });
builder.Services.Configure<AdminOptions>(builder.Configuration.GetSection("Admin"));
builder.Services.AddSingleton<ExporterKeys>();
builder.Services.AddSingleton<ExporterAccounts>();
builder.Services.AddSingleton<HashChain>();
builder.Services.AddSingleton<Facilities>();
builder.Services.AddSingleton<Products>();
builder.Services.AddSingleton<RecordShipmentHandler>();
builder.Services.AddSingleton<EpcisValidator>();
builder.Services.AddSingleton<EpcisCapture>();
builder.Services.AddExporterRateLimit(builder.Configuration);
// An exporter's Idempotency-Keys are its own.
builder.Services.AddIdempotencyKeys(builder.Configuration, http => Exporter.From(http).Id);
// Business keys a concurrent request can lose the race for: 409 naming the field (see UniqueKeyConflicts).
builder.Services
    .AddUniqueKey("pk_exporter", "id", "An exporter with this id exists.")
    .AddUniqueKey("uq_product_exporter_gtin", "gtin", "You registered a product with this GTIN already.")
    .AddUniqueKey("uq_facility_exporter_gln", "gln", "Another of your facilities has this GLN.")
    .AddUniqueKey("uq_facility_exporter_osh", "oshId", "Another of your facilities has this Open Supply Hub id.");

var app = builder.Build();
if (ExporterCommandLine.Handles(args))
{
    return await ExporterCommandLine.RunAsync(app, args);
}

// How each kind of record is read back when the chain is verified.
var chain = app.Services.GetRequiredService<HashChain>();
var database = app.Services.GetRequiredService<Database>();
chain.ReadsWith(Facilities.RecordType, app.Services.GetRequiredService<Facilities>().CanonicalAsync);
chain.ReadsWith(Products.RecordType, app.Services.GetRequiredService<Products>().CanonicalAsync);
chain.ReadsWith(EpcisCapture.RecordType, app.Services.GetRequiredService<EpcisCapture>().DocumentsAsync);
chain.ReadsWith(RecordShipmentHandler.RecordType, (exporter, id, ct) => GetShipmentEndpoint.CanonicalAsync(database, exporter, id, ct));

app.UseTraceabilityDefaults();
app.Use(RequireExporter.VerifyAsync);
app.UseRateLimiter();
app.BufferBodiesForIdempotencyKeys("/api", "/epcis/capture");

var admin = app.MapGroup("/admin").AddEndpointFilter<RequireAdmin>().WithTags("Admin");
admin.MapManageExporters();

var api = app.MapGroup("/api/v1").WithMetadata(new RequireExporter.Metadata()).AddEndpointFilter<RequireExporter>().RequireRateLimiting(ExporterRateLimit.Policy);
api.MapFacilities();
api.MapProducts();
api.MapRecordShipment();
api.MapGetShipment();
api.MapVerifyChain();
api.MapExporterFlags();

var epcis = app.MapGroup("/epcis").WithMetadata(new RequireExporter.Metadata()).AddEndpointFilter<RequireExporter>().RequireRateLimiting(ExporterRateLimit.Policy).WithTags("EPCIS");
epcis.MapCaptureEpcis();
epcis.MapQueryEpcis();

await app.RunWithMigrationsAsync(typeof(Program).Assembly);
return 0;

/// <summary>The Provenance service's entry point (public for the test host).</summary>
public partial class Program;
