namespace Traceability.IntegrationTests;

/// <summary>
/// A fixture's own running platform: a fresh database and virtual host, the topology step of every
/// service (as up.sh runs it, so every consumer queue is bound before anything is published), then
/// Risk and Provenance as processes, one or more instances of each against the same database and
/// broker (competing consumers, outbox relays claiming with skip-locked). Disposed in reverse.
/// </summary>
internal sealed class Platform : IAsyncDisposable
{
    private readonly int _instances;

    private Platform(TestDatabase database, TestVirtualHost virtualHost, int instances)
    {
        Database = database;
        VirtualHost = virtualHost;
        _instances = instances;
    }

    public TestDatabase Database { get; }
    public TestVirtualHost VirtualHost { get; }
    public IReadOnlyList<ServiceProcess> RiskInstances { get; private set; } = [];
    public IReadOnlyList<ServiceProcess> ProvenanceInstances { get; private set; } = [];

    /// <summary>Audits, when the platform was started with it.</summary>
    public ServiceProcess? Audits { get; private set; }

    /// <summary>The first Risk instance, when Risk runs (null while it has never run).</summary>
    public ServiceProcess? Risk => RiskInstances.Count > 0 ? RiskInstances[0] : null;

    /// <summary>The first Provenance instance.</summary>
    public ServiceProcess Provenance => ProvenanceInstances[0];

    /// <summary>
    /// Starts a platform. <paramref name="deployTopology"/> false skips the topology step, as on a
    /// broker nobody has prepared.
    /// </summary>
    public static async Task<Platform> StartAsync(bool withRisk = true, IDictionary<string, string>? provenanceSettings = null, int instances = 1,
        bool deployTopology = true, IDictionary<string, string>? auditsSettings = null)
    {
        var platform = new Platform(await Infrastructure.CreateDatabaseAsync(), await Infrastructure.CreateVirtualHostAsync(), instances);
        if (deployTopology)
        {
            await Task.WhenAll(platform.DeployTopologyAsync("Risk"), platform.DeployTopologyAsync("Provenance"),
                auditsSettings is null ? Task.CompletedTask : platform.DeployTopologyAsync("Audits"));
        }
        if (withRisk)
        {
            await platform.StartRiskAsync();
        }
        // Instances of one service start together: migrations take a database lock, so they do not race.
        platform.ProvenanceInstances = await Task.WhenAll(Enumerable.Range(0, instances)
            .Select(_ => ServiceProcess.StartAsync("Provenance", platform.Database, platform.VirtualHost, provenanceSettings)));
        if (auditsSettings is not null)
        {
            platform.Audits = await ServiceProcess.StartAsync("Audits", platform.Database, platform.VirtualHost, auditsSettings);
        }
        return platform;
    }

    /// <summary>Starts Risk's instances (for the first time, when the platform was started without it).</summary>
    public async Task<ServiceProcess> StartRiskAsync()
    {
        RiskInstances = await Task.WhenAll(Enumerable.Range(0, _instances)
            .Select(_ => ServiceProcess.StartAsync("Risk", Database, VirtualHost)));
        return Risk!;
    }

    /// <summary>One service's deploy step against this platform's broker.</summary>
    public async Task DeployTopologyAsync(string service)
    {
        await using var process = ServiceProcess.Create(service, Database, VirtualHost);
        await process.DeployTopologyAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var instance in ProvenanceInstances.Concat(RiskInstances).Concat(Audits is null ? [] : [Audits]))
        {
            await instance.DisposeAsync();
        }
        await Database.DisposeAsync();
        await VirtualHost.DisposeAsync();
    }
}
