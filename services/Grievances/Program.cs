using MassTransit;
using Microsoft.Extensions.Options;
using Traceability.Grievances.Features.Cases;
using Traceability.Grievances.Features.Converse;
using Traceability.Grievances.Features.KeepFacilities;
using Traceability.Grievances.Features.Poster;
using Traceability.Grievances.Features.Simulator;
using Traceability.Grievances.Features.ReceiveSms;
using Traceability.Grievances.Features.SendSms;
using Traceability.Grievances.Privacy;
using Traceability.Grievances.Sms;
using Traceability.Hosting;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.AddTraceabilityService("grievances", bus =>
{
    bus.AddConsumer<FacilityRegisteredConsumer, RetryingConsumerDefinition<FacilityRegisteredConsumer>>();
    bus.AddConsumer<ConverseConsumer, RetryingConsumerDefinition<ConverseConsumer>>();
    bus.AddConsumer<SmsReplyQueuedConsumer, RetryingConsumerDefinition<SmsReplyQueuedConsumer>>();
});
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.Configure<SmsOptions>(builder.Configuration.GetSection("Sms"));
builder.Services.AddSingleton(services => new PrivacyVault(builder.Configuration.GetSection("Privacy").Get<PrivacyOptions>() ?? new PrivacyOptions()));
builder.Services.AddSingleton(ConversationTexts.LoadShipped());
builder.Services.AddSingleton<Conversation>();
builder.Services.AddSingleton<InboundMessages>();
builder.Services.AddSingleton<Replies>();
builder.Services.AddSingleton<DeliveryReports>();
builder.Services.AddSingleton<SmsSender>();
builder.Services.AddHostedService<ReplyRetries>();
// One client per provider, each behind the standard resilience pipeline (timeouts, circuit breaker, retries),
// tunable under Sms:Resilience (HttpStandardResilienceOptions, e.g. Sms__Resilience__Retry__Delay). Twilio and
// Africa's Talking take no idempotency key: their pipelines retry only what surely never reached them
// (SendOutcomes), never a POST whose answer timed out. The generic gateway sends an Idempotency-Key, so any
// transient failure is retried. A provider still down after the pipeline leaves the reply queued for later.
var resilience = builder.Configuration.GetSection("Sms:Resilience");
SocketsHttpHandler ProviderConnections(IServiceProvider services) =>
    new() { ConnectTimeout = services.GetRequiredService<IOptions<SmsOptions>>().Value.ConnectTimeout, PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
builder.Services.AddHttpClient<TwilioGateway>().ConfigurePrimaryHttpMessageHandler(ProviderConnections)
    .AddStandardResilienceHandler(options => SendOutcomes.Configure(options, resilience, dropsRepeats: false));
builder.Services.AddHttpClient<AfricasTalkingGateway>().ConfigurePrimaryHttpMessageHandler(ProviderConnections)
    .AddStandardResilienceHandler(options => SendOutcomes.Configure(options, resilience, dropsRepeats: false));
builder.Services.AddHttpClient<GenericGateway>().ConfigurePrimaryHttpMessageHandler(ProviderConnections)
    .AddStandardResilienceHandler(options => SendOutcomes.Configure(options, resilience, dropsRepeats: true));
builder.Services.AddKeyedTransient<ISmsGateway>("twilio", (services, _) => services.GetRequiredService<TwilioGateway>());
builder.Services.AddKeyedTransient<ISmsGateway>("africastalking", (services, _) => services.GetRequiredService<AfricasTalkingGateway>());
builder.Services.AddKeyedTransient<ISmsGateway>("generic", (services, _) => services.GetRequiredService<GenericGateway>());
builder.Services.AddKeyedSingleton<ISmsGateway, SimulatorGateway>("simulator");
builder.Services.AddHttpClient("simulator");

var app = builder.Build();
if (SimulatorCommandLine.Handles(args))
{
    return await SimulatorCommandLine.RunAsync(app, args);
}
if (!BusTopology.IsRequested(Environment.GetCommandLineArgs()))
{
    // Without its keys the service could not keep what it is told private: it refuses to start instead.
    app.Services.GetRequiredService<PrivacyVault>();
}
app.UseTraceabilityDefaults();
app.MapReceiveSms();
var api = app.MapGroup("/api/v1");
api.MapCases();
api.MapPoster();
app.MapSimulator();

await app.RunWithMigrationsAsync(typeof(Program).Assembly);
return 0;

/// <summary>The Grievances service's entry point (public for the test host).</summary>
public partial class Program;
