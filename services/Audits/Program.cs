using MassTransit;
using Traceability.Audits.Features.Certificates;
using Traceability.Audits.Features.FacilityRecords;
using Traceability.Audits.Features.FindingCodeList;
using Traceability.Audits.Features.KeepFacilities;
using Traceability.Audits.Features.RegisterAuditors;
using Traceability.Audits.Features.SubmitAudit;
using Traceability.Audits.Standards;
using Traceability.Hosting.Idempotency;
using Traceability.Hosting;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddTraceabilityService("audits", bus =>
{
    bus.AddConsumer<FacilityRegisteredConsumer, RetryingConsumerDefinition<FacilityRegisteredConsumer>>();
});
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton(FindingCodes.LoadShipped());
builder.Services.AddSingleton<FacilityDirectory>();
builder.Services.AddSingleton<Auditors>();
builder.Services.AddSingleton<Audits>();
builder.Services.AddSingleton<Certificates>();
builder.Services.Configure<CertificateOptions>(builder.Configuration.GetSection("Certificates"));
builder.Services.AddHostedService<CertificateExpiry>();
builder.Services.AddPublicVerificationLimit(builder.Configuration);
// A user's Idempotency-Keys are their own (the token's subject).
builder.Services.AddIdempotencyKeys(builder.Configuration, http => http.User.Subject() ?? "");
// Business keys a concurrent request can lose the race for: 409 naming the field (see UniqueKeyConflicts).
builder.Services
    .AddUniqueKey("pk_auditor", "id", "An auditor with this id is registered.")
    .AddUniqueKey("uq_auditor_apsca", "apscaNumber", "Another auditor has this APSCA number.")
    .AddUniqueKey("uq_audit_facility_scheme_start", "startDate", "An audit of this facility under this scheme starting that day was uploaded already.")
    .AddUniqueKey("uq_certificate_scheme_number", "number", "The scheme has a certificate with this number.")
    .AddUniqueKey("uq_facility_gln", "gln", "Another request named this facility at the same moment; send it again.")
    .AddUniqueKey("uq_facility_osh", "oshId", "Another request named this facility at the same moment; send it again.");

var app = builder.Build();
app.UseTraceabilityDefaults();
app.UseRateLimiter();
app.BufferBodiesForIdempotencyKeys("/api/v1/audits");

var api = app.MapGroup("/api/v1");
api.MapAuditors();
api.MapAudits();
api.MapCertificates();
api.MapFindingCodes();
api.MapFacilityRecords();

await app.RunWithMigrationsAsync(typeof(Program).Assembly);

/// <summary>The Audits service's entry point (public for the test host).</summary>
public partial class Program;
