using System.Reflection;
using System.Text.Json;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Traceability.Data;

namespace Traceability.Hosting;

/// <summary>
/// What every Traceability service has in common: its database and schema migrations, the bus
/// with outbox and inbox, problem details, size limits, health endpoints and an OpenAPI document.
/// </summary>
public static class TraceabilityService
{
    /// <summary>Largest request body a service reads unless an endpoint says otherwise.</summary>
    public const long DefaultMaxRequestBodyBytes = 1024 * 1024;

    /// <summary>
    /// Registers the defaults for a service that keeps its data in <paramref name="schema"/>;
    /// <paramref name="configureBus"/> adds the service's consumers.
    /// </summary>
    public static WebApplicationBuilder AddTraceabilityService(this WebApplicationBuilder builder, string schema, Action<IBusRegistrationConfigurator>? configureBus = null)
    {
        builder.Logging.AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = DefaultMaxRequestBodyBytes);
        builder.Services.Configure<JsonOptions>(json => StrictJson.Apply(json.SerializerOptions));
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<BadRequestProblems>();
        builder.Services.AddExceptionHandler<DatabaseUnavailableProblems>();
        builder.Services.AddExceptionHandler<UniqueKeyConflicts>();
        // Bodies sent with Content-Encoding gzip, deflate or br are read decompressed (within the body size limit).
        builder.Services.AddRequestDecompression();
        builder.Services.AddOpenApi(RequestExamples.Add);
        builder.Services.AddTraceabilityDatabase(builder.Configuration, schema);
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database", tags: ["ready"]);
        builder.Services.AddOptions<RabbitMqOptions>().Bind(builder.Configuration.GetSection("RabbitMq"));
        builder.Services.AddSingleton<BusTopology>();
        builder.AddPlatformAuthentication();
        AddTracing(builder, schema);
        builder.Services.Configure<MassTransitHostOptions>(options =>
        {
            // The service answers /health/live while the broker is still coming up.
            options.WaitUntilStarted = false;
            options.StopTimeout = TimeSpan.FromSeconds(15);
        });
        builder.Services.AddMassTransit(bus =>
        {
            // Queues are named after the owning service, so two services' consumers of one event never share a queue.
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(schema, false));
            // No calls home: the platform talks only to its own broker and database.
            bus.DisableUsageTelemetry();
            configureBus?.Invoke(bus);
            // Every consumer queue of every service gets the platform's queue settings (quorum, delivery limit).
            bus.AddConfigureEndpointsCallback((context, queueName, endpoint) =>
                BusTopology.ConfigureConsumerQueue(endpoint, queueName, context.GetRequiredService<IOptions<RabbitMqOptions>>().Value));
            bus.UsingRabbitMq((context, rabbit) =>
            {
                var options = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                // The `topology` command declares exchanges, queues and bindings, then stops without consuming.
                rabbit.DeployTopologyOnly = context.GetRequiredService<BusTopology>().DeployOnly;
                rabbit.Host(options.Host, (ushort)options.Port, options.VirtualHost, $"traceability-{schema}", host =>
                {
                    host.Username(options.Username);
                    host.Password(options.Password);
                    host.PublisherConfirmation = true;
                    host.Heartbeat(TimeSpan.FromSeconds(10));
                    host.RequestedConnectionTimeout(TimeSpan.FromSeconds(5));
                });
                rabbit.PrefetchCount = options.PrefetchCount;
                BusTopology.ConfigureErrorQueues(rabbit, options);
                rabbit.ConfigureEndpoints(context);
            });
        });
        return builder;
    }

    /// <summary>
    /// Traces HTTP → outbox → bus → consumer (MassTransit carries the W3C trace context in message
    /// headers; the outbox keeps it across the commit). Exported over OTLP when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; without a collector nothing is recorded or sent.
    /// </summary>
    private static void AddTracing(WebApplicationBuilder builder, string schema)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return;
        }
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService($"traceability-{schema}"))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(options => options.Filter = http => !http.Request.Path.StartsWithSegments("/health"))
                .AddSource("MassTransit", "Traceability.Outbox", "Npgsql")
                .AddOtlpExporter());
    }

    /// <summary>
    /// The problem-details pipeline, the checks every request passes (HEAD, path and query text before
    /// routing, content coding after it), routing itself, and the health and OpenAPI endpoints. Middleware a
    /// service adds after this (rate limiting) runs after routing.
    /// </summary>
    public static WebApplication UseTraceabilityDefaults(this WebApplication app)
    {
        app.Use(ClientInput.LogClientErrors);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        // Below this point the database work serves a waiting client: short retries, then 503.
        app.Use(async (http, next) =>
        {
            using (Database.ServeRequest())
            {
                await next(http);
            }
        });
        app.Use(ClientInput.HeadAsGet);
        app.Use(ClientInput.CleanPathAndQuery);
        app.UseRouting();
        app.Use(ClientInput.RememberRoute);
        app.UseAuthentication();
        app.UseAuthorization();
        // After routing: the decompressed body is limited by the endpoint's own size limit (its
        // IRequestSizeLimitMetadata, e.g. EPCIS's 16 MiB), not only by the server's default.
        app.Use(ClientInput.KnownContentEncoding);
        app.UseRequestDecompression();
        app.MapOpenApi();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteHealth });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready"), ResponseWriter = WriteHealth });
        return app;
    }

    /// <summary>
    /// Applies the schema migrations (waiting for the database if it is still starting), then runs.
    /// Started as <c>dotnet Traceability.&lt;Service&gt;.dll topology</c>, it instead declares the service's
    /// bus topology (its exchanges, consumer queues and bindings) and exits: the deploy step that runs
    /// for every service before any service starts.
    /// </summary>
    public static async Task RunWithMigrationsAsync(this WebApplication app, Assembly serviceAssembly)
    {
        // Read from the process's own command line so that every service answers `topology` without
        // passing its arguments here: a new service gets the command by calling this method.
        if (BusTopology.IsRequested(Environment.GetCommandLineArgs()))
        {
            if (!await app.Services.GetRequiredService<BusTopology>().DeployAsync(app.Services))
            {
                // Not app.DisposeAsync(): stopping a bus still retrying its declarations can hang.
                // Disposing the logger factory writes out the queued log lines first.
                app.Services.GetRequiredService<ILoggerFactory>().Dispose();
                Environment.Exit(1);
            }
            await app.DisposeAsync();
            return;
        }
        await app.MigrateAsync(serviceAssembly);
        await app.RunAsync();
    }

    /// <summary>Applies the schema migrations, waiting for the database if it is still starting.</summary>
    public static async Task MigrateAsync(this WebApplication app, Assembly serviceAssembly)
    {
        var database = app.Services.GetRequiredService<Database>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Traceability.Migrations");
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await SchemaMigrations.EnsureDatabaseAsync(database.Dialect, database.ConnectionStringForMigrations(), logger);
                await SchemaMigrations.ApplyAsync(database.Dialect, database.ConnectionStringForMigrations(), database.Schema, serviceAssembly, logger);
                break;
            }
            catch (Exception exception) when (attempt < 30 && database.Dialect.IsTransient(exception))
            {
                logger.LogWarning("Database not reachable yet ({Message}); attempt {Attempt}", exception.Message, attempt);
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
        }
    }

    private static Task WriteHealth(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        });
    }
}
