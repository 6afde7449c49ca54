using System.Collections.Concurrent;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Traceability.Contracts.Provenance;
using Traceability.Data;

namespace Traceability.IntegrationTests;

/// <summary>Every ShipmentRecorded the test consumer received, by transport message id.</summary>
internal sealed class Deliveries
{
    public ConcurrentDictionary<Guid, int> ByMessageId { get; } = new();
    public ConcurrentQueue<ShipmentRecorded> Messages { get; } = new();
    public ConcurrentDictionary<Guid, string?> TraceIds { get; } = new();
}

internal sealed class RecordingConsumer(Deliveries deliveries) : IConsumer<ShipmentRecorded>
{
    public Task Consume(ConsumeContext<ShipmentRecorded> context)
    {
        deliveries.ByMessageId.AddOrUpdate(context.MessageId!.Value, 1, (_, n) => n + 1);
        deliveries.TraceIds[context.MessageId!.Value] = System.Diagnostics.Activity.Current?.TraceId.ToString();
        deliveries.Messages.Enqueue(context.Message);
        return Task.CompletedTask;
    }
}

/// <summary>A host with a service's database (and its outbox relay) and a real bus on the test's virtual host.</summary>
internal static class MessagingHost
{
    public static async Task<IHost> StartAsync(TestDatabase database, TestVirtualHost virtualHost, string schema, Deliveries deliveries)
    {
        await SchemaMigrations.ApplyAsync(PostgresDialect.Instance, database.ConnectionString, schema,
            typeof(Traceability.Provenance.Features.RecordShipment.RecordShipmentHandler).Assembly, NullLogger.Instance);
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Database:Provider"] = "postgres",
            ["Database:ConnectionString"] = database.ConnectionString,
            ["Outbox:BatchSize"] = "50",
        });
        builder.Services.AddTraceabilityDatabase(builder.Configuration, schema);
        builder.Services.AddSingleton(deliveries);
        builder.Services.AddMassTransit(bus =>
        {
            bus.AddConsumer<RecordingConsumer>();
            bus.UsingRabbitMq((context, rabbit) =>
            {
                rabbit.Host(Infrastructure.RabbitHost, (ushort)Infrastructure.RabbitPort, virtualHost.Name, host =>
                {
                    host.Username(Infrastructure.RabbitUser);
                    host.Password(Infrastructure.RabbitPassword);
                });
                rabbit.ConfigureEndpoints(context);
            });
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
