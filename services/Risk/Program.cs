using MassTransit;
using Traceability.Contracts.Risk;
using Traceability.Data.Messaging;
using Traceability.Hosting;
using Traceability.Risk.Features.CertificateStatus;
using Traceability.Risk.Features.EvaluateAudit;
using Traceability.Risk.Features.EvaluateFacility;
using Traceability.Risk.Features.EvaluateShipment;
using Traceability.Risk.Features.FlagGrievances;
using Traceability.Risk.Features.FacilityRisk;
using Traceability.Risk.Features.ImportEntityList;
using Traceability.Risk.Features.FlagStatistics;
using Traceability.Risk.Features.HoldShipments;
using Traceability.Risk.Features.KeepAuditorScope;
using Traceability.Risk.Features.KeepSupplyChain;
using Traceability.Risk.Features.ListFlags;
using Traceability.Risk.Features.ShipmentEvidence;
using Traceability.Risk.Features.WorkFlag;
using Traceability.Risk.Flags;
using Traceability.Risk.Rules;
using Traceability.Risk.Rules.Uflpa;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
// The rule set ships in the service; the host's configuration overrides any value of it.
RuleCatalog.AddTo(builder.Configuration);
builder.AddTraceabilityService("risk", bus =>
{
    bus.AddConsumer<ShipmentRecordedConsumer, RetryingConsumerDefinition<ShipmentRecordedConsumer>>();
    bus.AddConsumer<FacilityRegisteredConsumer, RetryingConsumerDefinition<FacilityRegisteredConsumer>>();
    bus.AddConsumer<ProductRegisteredConsumer, RetryingConsumerDefinition<ProductRegisteredConsumer>>();
    bus.AddConsumer<EpcisEventCapturedConsumer, RetryingConsumerDefinition<EpcisEventCapturedConsumer>>();
    bus.AddConsumer<EpcisEventsCapturedConsumer, RetryingConsumerDefinition<EpcisEventsCapturedConsumer>>();
    // Audits' rules (issue #9): findings and certificate status.
    bus.AddConsumer<AuditFindingsConsumer, RetryingConsumerDefinition<AuditFindingsConsumer>>();
    bus.AddConsumer<CertificateStatusConsumer, RetryingConsumerDefinition<CertificateStatusConsumer>>();
    // Grievances' rule (issue #10): forced-labour grievances flag the workplace.
    bus.AddConsumer<GrievanceFiledConsumer, RetryingConsumerDefinition<GrievanceFiledConsumer>>();
    bus.AddConsumer<GrievanceStatusChangedConsumer, RetryingConsumerDefinition<GrievanceStatusChangedConsumer>>();
    bus.AddConsumer<AuditorAccreditationChangedConsumer, RetryingConsumerDefinition<AuditorAccreditationChangedConsumer>>();
    bus.AddConsumer<AuditSignalsConsumer, RetryingConsumerDefinition<AuditSignalsConsumer>>();
    bus.AddConsumer<GrievanceSignalsConsumer, RetryingConsumerDefinition<GrievanceSignalsConsumer>>();
    bus.AddConsumer<GrievanceAcknowledgedConsumer, RetryingConsumerDefinition<GrievanceAcknowledgedConsumer>>();
    // A facility turned critical holds its shipments a batch per transaction; each batch sends this for the next.
    bus.AddConsumer<HoldShipmentsConsumer, RetryingConsumerDefinition<HoldShipmentsConsumer>>();
});
builder.Services.AddSingleton(TimeProvider.System);
// The flags the relay sends at once go to the broker and Provenance as one message per tenant (see OutboxPacking).
builder.Services.AddOutboxPacking<FlagRaised, FlagsRaised>((id, tenant, at, flags) =>
    new FlagsRaised { EventId = id, TenantId = tenant, OccurredAt = at, Flags = flags });
builder.Services.AddSingleton(new RuleCatalog(RuleCatalog.Bind(builder.Configuration)));
builder.Services.AddSingleton<FlagBook>();
builder.Services.AddSingleton<FlagWorkflow>();
// Reopening a flag while the rule has raised a new open one for the same subject: the unique key decides, 409.
builder.Services.AddUniqueKey("uq_flag_open_rule_subject", "id", "The rule has raised a new open flag for this subject since; work that one.");
builder.Services.AddSingleton(DolGoodsList.LoadShipped());
builder.Services.AddSingleton<ShipmentOriginRule>();
builder.Services.AddSingleton<CertificateRule>();
builder.Services.AddSingleton<CertificateClaims>();
builder.Services.AddSingleton(new RetiredQueue("risk-certificate-claims",
    "the certificates a shipment claims are kept by risk-shipment-recorded's consumer, with the shipment's evaluation."));
// The list an operator imported from DHS (Risk__UflpaEntityListFile), else the shipped one.
builder.Services.AddSingleton(UflpaEntityList.Load(builder.Configuration));
builder.Services.AddSingleton<UflpaRule>();
builder.Services.AddSingleton<HoldRule>();
builder.Services.AddSingleton<ProvenanceGapRule>();
builder.Services.AddSingleton<MassBalanceRule>();
builder.Services.AddSingleton<TransformationInputsRule>();
builder.Services.AddSingleton<IloIndicatorRule>();
builder.Services.AddSingleton<ReprisalRule>();
builder.Services.AddSingleton<FacilityEvaluator>();
builder.Services.AddSingleton<MassBalanceEvaluator>();
builder.Services.AddSingleton<ProvenanceGapReview>();
builder.Services.AddSingleton<HeldInputs>();
builder.Services.AddSingleton<GoodsTrace>();
builder.Services.AddSingleton<GrievanceWorkplaces>();
builder.Services.AddHostedService<ReprisalSweep>();
// A UFLPA Entity List Risk has not applied yet is laid over every facility it knows, once, at start.
builder.Services.AddHostedService<UflpaListSweep>();

var app = builder.Build();
if (EntityListCommandLine.Handles(args))
{
    return await EntityListCommandLine.RunAsync(app.Configuration, args, Console.Out, Console.Error);
}
app.UseTraceabilityDefaults();
var api = app.MapGroup("/api/v1");
api.MapListFlags();
api.MapFlagStatistics();
api.MapWorkFlag();
api.MapFacilityRisk();
api.MapShipmentEvidence();

await app.RunWithMigrationsAsync(typeof(Program).Assembly);
return 0;

/// <summary>The Risk service's entry point (public for the test host).</summary>
public partial class Program;
