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
    private readonly Dictionary<string, string> _serviceSettings = [];
    private IDictionary<string, string>? _riskSettings;

    private Platform(TestDatabase database, TestVirtualHost virtualHost, int instances)
    {
        Database = database;
        VirtualHost = virtualHost;
        _instances = instances;
    }

    /// <summary>The platform's own Identity service, when the platform was started with it (its services then trust it, not the test issuer).</summary>
    public ServiceProcess? Identity { get; private set; }

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
    /// <remarks>
    /// <paramref name="identitySettings"/> (not null) starts the Identity service first, with these settings, and
    /// points every other service's <c>Auth__Authority</c> at it, as up.sh does.
    /// </remarks>
    public static async Task<Platform> StartAsync(bool withRisk = true, IDictionary<string, string>? provenanceSettings = null, int instances = 1,
        bool deployTopology = true, IDictionary<string, string>? auditsSettings = null, IDictionary<string, string>? identitySettings = null,
        IDictionary<string, string>? riskSettings = null)
    {
        var platform = new Platform(await Infrastructure.CreateDatabaseAsync(), await Infrastructure.CreateVirtualHostAsync(), instances) { _riskSettings = riskSettings };
        if (deployTopology)
        {
            await Task.WhenAll(platform.DeployTopologyAsync("Risk"), platform.DeployTopologyAsync("Provenance"),
                auditsSettings is null ? Task.CompletedTask : platform.DeployTopologyAsync("Audits"));
        }
        if (identitySettings is not null)
        {
            platform.Identity = await StartIdentityAsync(platform.Database, platform.VirtualHost, identitySettings);
            platform._serviceSettings["Auth__Authority"] = platform.Identity.BaseAddress.ToString();
        }
        if (withRisk)
        {
            await platform.StartRiskAsync();
        }
        // Instances of one service start together: migrations take a database lock, so they do not race.
        platform.ProvenanceInstances = await Task.WhenAll(Enumerable.Range(0, instances)
            .Select(_ => ServiceProcess.StartAsync("Provenance", platform.Database, platform.VirtualHost,
                platform.SettingsFor(provenanceSettings))));
        if (auditsSettings is not null)
        {
            platform.Audits = await ServiceProcess.StartAsync("Audits", platform.Database, platform.VirtualHost,
                platform.SettingsFor(auditsSettings));
        }
        return platform;
    }

    /// <summary>The platform's settings for every service (its authority), then the service's own over them.</summary>
    private Dictionary<string, string> SettingsFor(IDictionary<string, string>? own)
    {
        var settings = new Dictionary<string, string>(_serviceSettings);
        foreach (var (key, value) in own ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }
        return settings;
    }

    /// <summary>
    /// Identity as its own process, issuing tokens under its own address (<c>Identity__Issuer</c>) and trusting
    /// them on its admin API (<c>Auth__Authority</c> is itself, as in up.sh).
    /// </summary>
    public static async Task<ServiceProcess> StartIdentityAsync(TestDatabase database, TestVirtualHost virtualHost, IDictionary<string, string>? settings = null)
    {
        var identity = ServiceProcess.Create("Identity", database, virtualHost, settings);
        identity.Configure("Identity__Issuer", identity.BaseAddress.ToString());
        identity.Configure("Auth__Authority", identity.BaseAddress.ToString());
        await identity.StartAsync();
        return identity;
    }

    /// <summary>Starts Risk's instances (for the first time, when the platform was started without it).</summary>
    public async Task<ServiceProcess> StartRiskAsync()
    {
        RiskInstances = await Task.WhenAll(Enumerable.Range(0, _instances)
            .Select(_ => ServiceProcess.StartAsync("Risk", Database, VirtualHost, SettingsFor(_riskSettings))));
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
        if (Identity is not null)
        {
            await Identity.DisposeAsync();
        }
        await Database.DisposeAsync();
        await VirtualHost.DisposeAsync();
    }
}
