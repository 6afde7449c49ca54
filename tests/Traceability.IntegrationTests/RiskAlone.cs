using Microsoft.Extensions.Options;
using Traceability.Contracts.Audits;
using Traceability.Data;
using Traceability.Data.Messaging;
using Traceability.Risk.Flags;
using Traceability.Risk.Rules;

namespace Traceability.IntegrationTests;

/// <summary>Risk as a process on a fresh database and virtual host, its queues declared first as up.sh does: for tests of Risk alone.</summary>
internal sealed class RiskAlone : IAsyncDisposable
{
    private RiskAlone(TestDatabase database, TestVirtualHost virtualHost, ServiceProcess risk) => (Database, VirtualHost, Risk) = (database, virtualHost, risk);

    public TestDatabase Database { get; }
    public TestVirtualHost VirtualHost { get; }
    public ServiceProcess Risk { get; }

    public static async Task<RiskAlone> StartAsync(IDictionary<string, string>? settings = null)
    {
        var database = await Infrastructure.CreateDatabaseAsync();
        var virtualHost = await Infrastructure.CreateVirtualHostAsync();
        await using (var step = ServiceProcess.Create("Risk", database, virtualHost, settings))
        {
            await step.DeployTopologyAsync();
        }
        return new RiskAlone(database, virtualHost, await ServiceProcess.StartAsync("Risk", database, virtualHost, settings));
    }

    /// <summary>An active auditor accredited for one scheme in <paramref name="countries"/> (every sector), from a year ago to a year ahead, as Audits publishes it.</summary>
    public static AuditorAccreditationChanged Accredited(string auditorId, string scheme, params string[] countries)
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        return new AuditorAccreditationChanged
        {
            EventId = Guid.NewGuid(), TenantId = AuditsTenant.Id, OccurredAt = DateTime.UtcNow, AuditorId = auditorId, Revision = 1, Name = auditorId,
            Level = "RA", Status = "active",
            Accreditations = [new Accreditation { Scheme = scheme, Countries = countries, ValidFrom = today.AddYears(-1), ValidTo = today.AddYears(1) }],
        };
    }

    public async ValueTask DisposeAsync()
    {
        await Risk.DisposeAsync();
        await Database.DisposeAsync();
        await VirtualHost.DisposeAsync();
    }
}

/// <summary>
/// Risk's flag book in the test process, on a fixture's database: a test raises flags exactly as a rule does (the running
/// Risk's outbox relay publishes their events).
/// </summary>
internal sealed class TestFlagBook : IDisposable
{
    private readonly OutboxSignal _signal = new();

    public TestFlagBook(string connectionString, RuleCatalog? catalog = null)
    {
        Data = new Database(Options.Create(new DatabaseOptions { Provider = "postgres", ConnectionString = connectionString, Schema = "risk" }), _signal);
        Flags = new FlagBook(Data, catalog ?? RuleCatalog.LoadShipped(), TimeProvider.System);
    }

    public Database Data { get; }
    public FlagBook Flags { get; }

    /// <summary>Raises or appends in a transaction of its own.</summary>
    public Task RaiseAsync(FlagSignal signal) => Data.InTransactionAsync(data =>
    {
        Flags.RaiseOrAppend(data, signal);
        return Task.FromResult(0);
    }, CancellationToken.None);

    public void Dispose() => _signal.Dispose();
}
