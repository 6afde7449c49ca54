using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Traceability.Data.Messaging;

namespace Traceability.Data;

/// <summary>Registers a service's database, outbox relay and inbox.</summary>
public static class DataServiceCollectionExtensions
{
    /// <summary>
    /// Binds <c>Database</c> (Provider, ConnectionString, falling back to <c>ConnectionStrings:Traceability</c>)
    /// and <c>Outbox</c> options, with <paramref name="schema"/> as the service's schema.
    /// </summary>
    public static IServiceCollection AddTraceabilityDatabase(this IServiceCollection services, IConfiguration configuration, string schema)
    {
        services.AddOptions<DatabaseOptions>()
            .Bind(configuration.GetSection("Database"))
            .Configure(options =>
            {
                options.Schema = schema;
                if (string.IsNullOrWhiteSpace(options.ConnectionString))
                {
                    options.ConnectionString = configuration.GetConnectionString("Traceability") ?? "";
                }
            })
            .Validate(options => !string.IsNullOrWhiteSpace(options.ConnectionString), "Database:ConnectionString or ConnectionStrings:Traceability is required.")
            .ValidateOnStart();
        services.AddOptions<OutboxOptions>().Bind(configuration.GetSection("Outbox"));
        services.AddSingleton<OutboxSignal>();
        services.AddSingleton<Database>();
        services.AddSingleton<Inbox>();
        services.AddHostedService<OutboxRelay>();
        return services;
    }
}
