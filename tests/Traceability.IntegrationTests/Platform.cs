namespace Traceability.IntegrationTests;

/// <summary>
/// A fixture's own running platform: a fresh database and virtual host, Risk (first, so its queues
/// are bound before anything is published) and Provenance as processes, one or more instances of
/// each against the same database and broker (competing consumers, outbox relays claiming with
/// skip-locked). Disposed in reverse.
/// </summary>
internal sealed class Platform : IAsyncDisposable
{
    private Platform(TestDatabase database, TestVirtualHost virtualHost)
    {
        Database = database;
        VirtualHost = virtualHost;
    }

    public TestDatabase Database { get; }
    public TestVirtualHost VirtualHost { get; }
    public IReadOnlyList<ServiceProcess> RiskInstances { get; private set; } = [];
    public IReadOnlyList<ServiceProcess> ProvenanceInstances { get; private set; } = [];

    /// <summary>The first Risk instance, when Risk runs.</summary>
    public ServiceProcess? Risk => RiskInstances.Count > 0 ? RiskInstances[0] : null;

    /// <summary>The first Provenance instance.</summary>
    public ServiceProcess Provenance => ProvenanceInstances[0];

    public static async Task<Platform> StartAsync(bool withRisk = true, IDictionary<string, string>? provenanceSettings = null, int instances = 1)
    {
        var platform = new Platform(await Infrastructure.CreateDatabaseAsync(), await Infrastructure.CreateVirtualHostAsync());
        // Instances of one service start together: migrations take a database lock, so they do not race.
        if (withRisk)
        {
            platform.RiskInstances = await Task.WhenAll(Enumerable.Range(0, instances)
                .Select(_ => ServiceProcess.StartAsync("Risk", platform.Database, platform.VirtualHost)));
        }
        platform.ProvenanceInstances = await Task.WhenAll(Enumerable.Range(0, instances)
            .Select(_ => ServiceProcess.StartAsync("Provenance", platform.Database, platform.VirtualHost, provenanceSettings)));
        return platform;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in ProvenanceInstances.Concat(RiskInstances))
        {
            await instance.DisposeAsync();
        }
        await Database.DisposeAsync();
        await VirtualHost.DisposeAsync();
    }
}
